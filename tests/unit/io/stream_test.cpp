#include "io/stream.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>

#include "net/fd.hpp"
#include "net/socket_transport.hpp"
#include "protocol/telnet_filter.hpp"

namespace hellod {

// Readable failure messages (gtest finds this by argument-dependent lookup).
[[maybe_unused]] static void PrintTo(Stream::Status status, std::ostream* os) {
    static constexpr const char* kNames[] = {"ok",        "too_long",    "eof",  "timeout",
                                             "cancelled", "interrupted", "error"};
    *os << kNames[static_cast<int>(status)];
}

namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using Status = Stream::Status;

void set_socket_timeout(int fd, int option, milliseconds timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ASSERT_EQ(::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv), 0) << std::strerror(errno);
}

void set_buffer_size(int fd, int option, int bytes) {
    ASSERT_EQ(::setsockopt(fd, SOL_SOCKET, option, &bytes, sizeof bytes), 0)
        << std::strerror(errno);
}

// Wakes a stream stuck in a syscall (a timeout the stream failed to set, say) by shutting the
// socket down, so that such a bug fails the test rather than hanging the whole run. Holds its own
// descriptor: shutdown() acts on the socket, and the test may close its copy meanwhile.
class Watchdog {
  public:
    Watchdog(int fd, milliseconds after) : fd_(::dup(fd)), thread_([this, after] { run(after); }) {}
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;
    ~Watchdog() {
        {
            const std::lock_guard lock(mutex_);
            done_ = true;
        }
        cv_.notify_all();
    }

  private:
    void run(milliseconds after) {
        std::unique_lock lock(mutex_);
        if (cv_.wait_for(lock, after, [this] { return done_; })) return;
        ADD_FAILURE() << "watchdog: the test was still running after " << after.count() << " ms";
        ::shutdown(fd_.get(), SHUT_RDWR);
    }

    net::UniqueFd fd_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::jthread thread_;  // last: starts once the members it uses exist, joins before they go
};

// A connected AF_UNIX stream pair: `ours` goes to the Stream under test, `peer` is the client.
// The peer's own end gets 5 s timeouts, so a bug in the stream fails a test instead of hanging it.
struct SocketPair {
    net::UniqueFd ours;
    net::UniqueFd peer;

    SocketPair() {
        int fds[2] = {-1, -1};
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
            ADD_FAILURE() << "socketpair: " << std::strerror(errno);
            return;
        }
        ours.reset(fds[0]);
        peer.reset(fds[1]);
        set_socket_timeout(peer.get(), SO_RCVTIMEO, 5s);
        set_socket_timeout(peer.get(), SO_SNDTIMEO, 5s);
        watchdog.emplace(ours.get(), 10s);
    }

    std::optional<Watchdog> watchdog;  // declared last: stops first
};

// A connected TCP pair over loopback, for behaviour AF_UNIX does not share: there, a blocking
// send() restarts SO_SNDTIMEO on every bit of progress, so a trickling reader cannot be tested.
struct TcpPair {
    net::UniqueFd ours;  // the accepted (server) end
    net::UniqueFd peer;  // the client end

    explicit TcpPair(int peer_rcvbuf) {
        net::UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (!listener ||
            ::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            ::listen(listener.get(), 1) != 0 ||
            ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            ADD_FAILURE() << "listen on loopback: " << std::strerror(errno);
            return;
        }
        peer.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        set_buffer_size(peer.get(), SO_RCVBUF, peer_rcvbuf);  // before connect: sets the window
        if (::connect(peer.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
            ADD_FAILURE() << "connect: " << std::strerror(errno);
            return;
        }
        ours.reset(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!ours) ADD_FAILURE() << "accept: " << std::strerror(errno);
        set_socket_timeout(peer.get(), SO_RCVTIMEO, 5s);
        set_socket_timeout(peer.get(), SO_SNDTIMEO, 5s);
    }
};

void send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        ASSERT_GT(n, 0) << "send: " << std::strerror(errno);
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::string recv_exact(int fd, std::size_t size) {
    std::string data(size, '\0');
    std::size_t got = 0;
    while (got < size) {
        const ssize_t n = ::recv(fd, data.data() + got, size - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ADD_FAILURE() << "recv after " << got << " of " << size
                          << " bytes: " << (n == 0 ? "eof" : std::strerror(errno));
            break;
        }
        got += static_cast<std::size_t>(n);
    }
    data.resize(got);
    return data;
}

// Everything until the peer's end of stream (fails on timeout: the socket has 5 s).
std::string recv_until_eof(int fd) {
    std::string data;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ADD_FAILURE() << "recv: " << std::strerror(errno);
            break;
        }
        if (n == 0) break;
        data.append(buffer, static_cast<std::size_t>(n));
    }
    return data;
}

// What is already queued for reading, without waiting.
std::size_t drain_now(int fd) {
    std::size_t total = 0;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return total;
        total += static_cast<std::size_t>(n);
    }
}

Stream::Options options(milliseconds read_timeout = 5s) {
    Stream::Options o;
    o.read_timeout = read_timeout;
    o.write_timeout = 5s;
    return o;
}

milliseconds since(Clock::time_point start) {
    return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

// gtest prints string_views of binary data poorly; compare as strings.
std::string text(const Stream::Line& line) {
    return std::string(line.text);
}

TEST(Stream, ReadLineHandlesLfAndCrLf) {
    SocketPair pair;
    send_all(pair.peer.get(), "a\nbb\r\n\ncc\n");
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    for (const char* expected : {"a", "bb", "", "cc"}) {
        const Stream::Line line = stream.read_line(100);
        ASSERT_EQ(line.status, Status::ok);
        EXPECT_EQ(text(line), expected);
    }
}

TEST(Stream, ReadLineDropsOneCarriageReturn) {
    SocketPair pair;
    send_all(pair.peer.get(), "a\r\r\n\r\nb\rc\n");
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    for (const char* expected : {"a\r", "", "b\rc"}) {
        const Stream::Line line = stream.read_line(100);
        ASSERT_EQ(line.status, Status::ok);
        EXPECT_EQ(text(line), expected);
    }
}

TEST(Stream, ReadLineAcceptsExactlyLimitBytes) {
    SocketPair pair;
    // read_buffer smaller than the limit: the buffer must grow to fit the longest valid line.
    Stream::Options o = options();
    o.read_buffer = 4;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, o);
    send_all(pair.peer.get(), "12345678\r\n12345678\n123456789\n123456789\r\nok\n");
    Stream::Line line = stream.read_line(8);
    ASSERT_EQ(line.status, Status::ok);
    EXPECT_EQ(text(line), "12345678");
    line = stream.read_line(8);
    ASSERT_EQ(line.status, Status::ok);
    EXPECT_EQ(text(line), "12345678");
    EXPECT_EQ(stream.read_line(8).status, Status::too_long);
    EXPECT_EQ(stream.read_line(8).status, Status::too_long);
    line = stream.read_line(8);
    ASSERT_EQ(line.status, Status::ok);
    EXPECT_EQ(text(line), "ok");
    EXPECT_LE(stream.buffer_capacity(), 10u);
}

TEST(Stream, LimitPlusCarriageReturnWaitsForTheNewline) {
    SocketPair pair;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options(100ms));
    // limit+1 bytes may still be a valid line if they end in "\r": no verdict yet.
    send_all(pair.peer.get(), "12345678\r");
    EXPECT_EQ(stream.read_line(8).status, Status::timeout);
    send_all(pair.peer.get(), "\n");
    const Stream::Line line = stream.read_line(8);
    ASSERT_EQ(line.status, Status::ok);
    EXPECT_EQ(text(line), "12345678");

    send_all(pair.peer.get(), "123456789");
    EXPECT_EQ(stream.read_line(8).status, Status::timeout);
    send_all(pair.peer.get(), "\nnext\n");
    EXPECT_EQ(stream.read_line(8).status, Status::too_long);
    EXPECT_EQ(text(stream.read_line(8)), "next");
}

TEST(Stream, LimitPlusTwoIsRefusedWithoutWaitingForTheNewline) {
    SocketPair pair;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options(100ms));
    send_all(pair.peer.get(), "123456789\r");
    EXPECT_EQ(stream.read_line(8).status, Status::too_long);
    // The rest of the over-long line is skipped; the next line is intact.
    send_all(pair.peer.get(), "more\r\nnext\n");
    const Stream::Line line = stream.read_line(8);
    ASSERT_EQ(line.status, Status::ok);
    EXPECT_EQ(text(line), "next");
}

TEST(Stream, OverLongLineIsReportedOnceThenNextLineIsFine) {
    SocketPair pair;
    send_all(pair.peer.get(), std::string(5000, 'x') + "\nnext\n");
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    EXPECT_EQ(stream.read_line(1024).status, Status::too_long);
    const Stream::Line line = stream.read_line(1024);
    ASSERT_EQ(line.status, Status::ok);
    EXPECT_EQ(text(line), "next");
    EXPECT_LE(stream.buffer_capacity(), 4096u);
}

TEST(Stream, HugeLineIsRefusedEarlyInBoundedMemory) {
    constexpr std::size_t kLimit = 1024;
    constexpr std::size_t kHuge = 10 * 1024 * 1024;
    SocketPair pair;
    Stream::Options o = options();
    o.read_buffer = 256;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, o);

    // Only the head of the line exists yet: the verdict must not wait for the "\n" (if it did,
    // this would return timeout after 5 s).
    const std::string head(2000, 'x');
    send_all(pair.peer.get(), head);
    EXPECT_EQ(stream.read_line(kLimit).status, Status::too_long);
    EXPECT_LE(stream.buffer_capacity(), kLimit + 2);

    std::jthread writer([fd = pair.peer.get(), rest = kHuge - head.size()] {
        const std::string block(64 * 1024, 'x');
        for (std::size_t left = rest; left > 0;) {
            const std::size_t n = std::min(left, block.size());
            send_all(fd, std::string_view(block).substr(0, n));
            if (::testing::Test::HasFailure()) return;  // the reader stopped reading
            left -= n;
        }
        send_all(fd, "\nafter\n");
    });
    const Stream::Line line = stream.read_line(kLimit);
    writer.join();
    ASSERT_EQ(line.status, Status::ok);
    EXPECT_EQ(text(line), "after");
    EXPECT_LE(stream.buffer_capacity(), kLimit + 2);
    EXPECT_EQ(stream.bytes_in(), kHuge + 7);
}

TEST(Stream, ShortLinesStayInTheInlineBuffer) {
    SocketPair pair;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    for (int i = 0; i < 100; ++i) {
        send_all(pair.peer.get(), "Michael\n");
        const Stream::Line line = stream.read_line(1024);
        ASSERT_EQ(line.status, Status::ok);
        EXPECT_EQ(text(line), "Michael");
    }
    EXPECT_EQ(stream.buffer_capacity(), Stream::inline_buffer) << "no heap buffer was needed";
}

TEST(Stream, ABurstGrowsTheBufferToReadBufferAndNoFurther) {
    SocketPair pair;
    std::string burst;
    for (int i = 0; i < 1000; ++i)
        burst += "line " + std::to_string(i) + "\n";
    send_all(pair.peer.get(), burst);
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    for (int i = 0; i < 1000; ++i) {
        const Stream::Line line = stream.read_line(1024);
        ASSERT_EQ(line.status, Status::ok);
        ASSERT_EQ(text(line), "line " + std::to_string(i));
    }
    EXPECT_EQ(stream.buffer_capacity(), options().read_buffer)
        << "reads that fill the buffer mean more is waiting: one buffer of read_buffer bytes";
}

TEST(Stream, PartialLineAtEofIsReturnedThenEof) {
    SocketPair pair;
    send_all(pair.peer.get(), "one\nabc");
    ASSERT_EQ(::shutdown(pair.peer.get(), SHUT_WR), 0);
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    EXPECT_EQ(text(stream.read_line(100)), "one");
    const Stream::Line line = stream.read_line(100);
    ASSERT_EQ(line.status, Status::ok);
    EXPECT_EQ(text(line), "abc");
    EXPECT_EQ(stream.read_line(100).status, Status::eof);
    EXPECT_EQ(stream.read_line(100).status, Status::eof);
}

TEST(Stream, LoneCarriageReturnAtEofIsAnEmptyLine) {
    SocketPair pair;
    send_all(pair.peer.get(), "\r");
    ASSERT_EQ(::shutdown(pair.peer.get(), SHUT_WR), 0);
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    const Stream::Line line = stream.read_line(100);
    ASSERT_EQ(line.status, Status::ok);
    EXPECT_EQ(text(line), "");
    EXPECT_EQ(stream.read_line(100).status, Status::eof);
}

TEST(Stream, PartialLineAtEofRespectsTheLimit) {
    {
        SocketPair pair;
        send_all(pair.peer.get(), "abcd\r");
        ASSERT_EQ(::shutdown(pair.peer.get(), SHUT_WR), 0);
        net::SocketTransport transport(pair.ours.get());
        Stream stream(transport, options());
        const Stream::Line line = stream.read_line(4);
        ASSERT_EQ(line.status, Status::ok);
        EXPECT_EQ(text(line), "abcd");
        EXPECT_EQ(stream.read_line(4).status, Status::eof);
    }
    {
        SocketPair pair;
        send_all(pair.peer.get(), "abcde");
        ASSERT_EQ(::shutdown(pair.peer.get(), SHUT_WR), 0);
        net::SocketTransport transport(pair.ours.get());
        Stream stream(transport, options());
        EXPECT_EQ(stream.read_line(4).status, Status::too_long);
        EXPECT_EQ(stream.read_line(4).status, Status::eof);
    }
}

TEST(Stream, EmptyInputIsEof) {
    SocketPair pair;
    ASSERT_EQ(::shutdown(pair.peer.get(), SHUT_WR), 0);
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    EXPECT_EQ(stream.read_line(100).status, Status::eof);
    EXPECT_EQ(stream.read_some(100).status, Status::eof);
}

TEST(Stream, ReadTimeoutReturnsTimeoutInBoundedTime) {
    SocketPair pair;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options(100ms));
    const auto start = Clock::now();
    EXPECT_EQ(stream.read_line(100).status, Status::timeout);
    const milliseconds elapsed = since(start);
    EXPECT_GE(elapsed, 50ms);
    EXPECT_LE(elapsed, 3000ms);
}

TEST(Stream, PartialLineSurvivesATimeout) {
    SocketPair pair;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options(100ms));
    send_all(pair.peer.get(), "ab");
    EXPECT_EQ(stream.read_line(100).status, Status::timeout);
    send_all(pair.peer.get(), "c\n");
    const Stream::Line line = stream.read_line(100);
    ASSERT_EQ(line.status, Status::ok);
    EXPECT_EQ(text(line), "abc");
}

TEST(Stream, CancelFlagIsCheckedBeforeReading) {
    SocketPair pair;
    std::atomic<bool> cancel{false};
    Stream::Options o = options();
    o.cancel = &cancel;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, o);
    send_all(pair.peer.get(), "a\nb");
    EXPECT_EQ(text(stream.read_line(100)), "a");
    cancel.store(true);
    // Input waiting in the socket is not read once the daemon is shutting down.
    send_all(pair.peer.get(), "\n");
    EXPECT_EQ(stream.read_line(100).status, Status::cancelled);
    // What is already buffered is still handed out; only reading more is refused.
    EXPECT_EQ(text(stream.read_some(100)), "b");
    EXPECT_EQ(stream.read_some(100).status, Status::cancelled);
}

// Documented choice: a read woken by shutdown(SHUT_RD) while the flag is set returns cancelled
// (not eof), so the caller can tell "server shutting down" from the client leaving.
TEST(Stream, CancelAndShutdownWakeABlockedRead) {
    SocketPair pair;
    std::atomic<bool> cancel{false};
    Stream::Status status = Status::ok;
    milliseconds blocked{0};
    std::jthread reader([&] {
        Stream::Options o = options();
        o.cancel = &cancel;
        net::SocketTransport transport(pair.ours.get());
        Stream stream(transport, o);
        // The reply leaves right before the stream blocks in recv: our signal to cancel.
        stream.write("ready\r\n");
        const auto start = Clock::now();
        status = stream.read_line(100).status;
        blocked = since(start);
    });
    EXPECT_EQ(recv_exact(pair.peer.get(), 7), "ready\r\n");
    cancel.store(true);
    ASSERT_EQ(::shutdown(pair.ours.get(), SHUT_RD), 0);
    reader.join();
    EXPECT_EQ(status, Status::cancelled);
    EXPECT_LT(blocked, 3000ms);  // the read timeout is 5 s: it was the shutdown that woke it
}

TEST(Stream, ShutdownWithoutCancelIsEof) {
    SocketPair pair;
    std::atomic<bool> cancel{false};
    Stream::Options o = options();
    o.cancel = &cancel;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, o);
    ASSERT_EQ(::shutdown(pair.ours.get(), SHUT_RD), 0);
    EXPECT_EQ(stream.read_line(100).status, Status::eof);
}

TEST(Stream, PipelinedRepliesAreFlushedBeforeBlocking) {
    SocketPair pair;
    Stream::Status final_status = Status::ok;
    std::jthread server([&] {
        net::SocketTransport transport(pair.ours.get());
        Stream stream(transport, options());
        for (;;) {
            const Stream::Line line = stream.read_line(100);
            if (line.status != Status::ok) {
                final_status = line.status;
                return;
            }
            stream.write("reply:" + text(line) + "\r\n");
        }
    });
    send_all(pair.peer.get(), "a\nb\n");
    // Both replies, in one read: the stream flushed them together before waiting for more.
    char buffer[256];
    const ssize_t n = ::recv(pair.peer.get(), buffer, sizeof buffer, 0);
    ASSERT_GT(n, 0) << std::strerror(errno);
    EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(n)), "reply:a\r\nreply:b\r\n");
    send_all(pair.peer.get(), "c\n");
    EXPECT_EQ(recv_exact(pair.peer.get(), 9), "reply:c\r\n");
    ASSERT_EQ(::shutdown(pair.peer.get(), SHUT_WR), 0);
    server.join();
    EXPECT_EQ(final_status, Status::eof);
}

TEST(Stream, WritesAreBufferedUntilFlush) {
    SocketPair pair;
    Stream::Options o = options();
    o.write_buffer = 8;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, o);
    EXPECT_EQ(stream.write("12345"), Status::ok);
    EXPECT_EQ(drain_now(pair.peer.get()), 0u);
    EXPECT_EQ(stream.bytes_out(), 0u);
    // Would overflow the buffer: what is buffered goes first, the new bytes wait.
    EXPECT_EQ(stream.write("6789"), Status::ok);
    EXPECT_EQ(recv_exact(pair.peer.get(), 5), "12345");
    EXPECT_EQ(drain_now(pair.peer.get()), 0u);
    // Larger than the buffer: straight out, after what was buffered.
    const std::string big(20, 'b');
    EXPECT_EQ(stream.write(big), Status::ok);
    EXPECT_EQ(recv_exact(pair.peer.get(), 24), "6789" + big);
    EXPECT_EQ(stream.write("end"), Status::ok);
    EXPECT_EQ(stream.flush(), Status::ok);
    EXPECT_EQ(recv_exact(pair.peer.get(), 3), "end");
    EXPECT_EQ(stream.bytes_out(), 32u);
}

TEST(Stream, WriteTimesOutWhenPeerNeverReads) {
    SocketPair pair;
    set_buffer_size(pair.ours.get(), SO_SNDBUF, 4096);
    set_buffer_size(pair.peer.get(), SO_RCVBUF, 4096);
    Stream::Options o = options();
    o.write_timeout = 200ms;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, o);
    const std::string big(8 * 1024 * 1024, 'w');
    const auto start = Clock::now();
    EXPECT_EQ(stream.write(big), Status::timeout);
    const milliseconds elapsed = since(start);
    EXPECT_GE(elapsed, 100ms);
    EXPECT_LE(elapsed, 3000ms);
    EXPECT_TRUE(stream.write_failed());
    // The byte stream is cut mid-reply: nothing more may be sent.
    EXPECT_EQ(stream.write("x"), Status::error);
    EXPECT_EQ(stream.flush(), Status::error);
    const std::size_t delivered = drain_now(pair.peer.get());
    EXPECT_GT(delivered, 0u);
    EXPECT_LT(delivered, big.size());
    EXPECT_EQ(stream.bytes_out(), delivered);
}

TEST(Stream, AReadWhoseFlushTimesOutIsAWriteErrorNotIdleness) {
    SocketPair pair;
    set_buffer_size(pair.ours.get(), SO_SNDBUF, 4096);
    set_buffer_size(pair.peer.get(), SO_RCVBUF, 4096);
    Stream::Options o = options();
    o.write_buffer = 1 << 20;  // holds the whole reply until the read flushes it
    o.write_timeout = 200ms;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, o);
    ASSERT_EQ(stream.write(std::string(512 * 1024, 'r')), Status::ok);
    EXPECT_EQ(stream.read_line(100).status, Status::error);
    EXPECT_TRUE(stream.write_failed());
    EXPECT_EQ(stream.error_text(), "write timed out");
}

TEST(Stream, TricklingReaderCannotStretchAFlush) {
    TcpPair pair(4096);
    set_buffer_size(pair.ours.get(), SO_SNDBUF, 4096);
    std::atomic<bool> done{false};
    // Reads a little, often: every send() makes progress, so only a deadline over the whole
    // flush stops it (8 MB at ~100 KB/s would take over a minute).
    std::jthread trickler([&] {
        char buffer[1024];
        // Gives up after 4 s so that a stream without the deadline fails the bound, not hangs.
        const auto give_up = Clock::now() + 4s;
        while (!done.load() && Clock::now() < give_up) {
            if (::recv(pair.peer.get(), buffer, sizeof buffer, 0) <= 0) return;
            std::this_thread::sleep_for(10ms);
        }
    });
    Stream::Options o = options();
    o.write_timeout = 300ms;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, o);
    const auto start = Clock::now();
    const Stream::Status status = stream.write(std::string(8 * 1024 * 1024, 't'));
    const milliseconds elapsed = since(start);
    done.store(true);
    trickler.join();
    EXPECT_EQ(status, Status::timeout);
    EXPECT_GE(elapsed, 200ms);
    EXPECT_LE(elapsed, 3000ms);
    EXPECT_TRUE(stream.write_failed());
}

TEST(Stream, WriteToClosedPeerIsAnErrorNotSigpipe) {
    SocketPair pair;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    pair.peer.reset();
    EXPECT_EQ(stream.write("hello\r\n"), Status::ok);  // only buffered so far
    EXPECT_EQ(stream.flush(), Status::error);
    EXPECT_EQ(stream.error_number(), EPIPE);
    EXPECT_TRUE(stream.write_failed());
    EXPECT_EQ(stream.write("again"), Status::error);
    EXPECT_EQ(stream.bytes_out(), 0u);
}

TEST(Stream, ReadAfterResetIsAnError) {
    SocketPair pair;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    ASSERT_EQ(stream.write("unread"), Status::ok);
    ASSERT_EQ(stream.flush(), Status::ok);
    pair.peer.reset();  // closing with unread input resets the connection
    EXPECT_EQ(stream.read_line(100).status, Status::error);
    EXPECT_EQ(stream.error_number(), ECONNRESET);
}

TEST(Stream, ByteCountersSeeRawInputAndSentOutput) {
    SocketPair pair;
    TelnetFilter telnet;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    stream.set_input_filter(&telnet);
    const std::string input =
        "a\xff\xfb\x01"
        "b\xff\xff\n";
    send_all(pair.peer.get(), input);
    const Stream::Line line = stream.read_line(100);
    ASSERT_EQ(line.status, Status::ok);
    EXPECT_EQ(text(line), "ab\xff");
    EXPECT_EQ(stream.bytes_in(), input.size());

    EXPECT_EQ(stream.write("hello\r\n"), Status::ok);
    EXPECT_EQ(stream.bytes_out(), 0u);
    EXPECT_EQ(stream.flush(), Status::ok);
    EXPECT_EQ(stream.bytes_out(), 7u);
    EXPECT_EQ(recv_exact(pair.peer.get(), 7), "hello\r\n");
}

TEST(Stream, TelnetInterruptDropsThePartialLine) {
    SocketPair pair;
    TelnetFilter telnet;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    stream.set_input_filter(&telnet);
    send_all(pair.peer.get(),
             "ab\xff\xf4"
             "cd\n");
    EXPECT_EQ(stream.read_line(100).status, Status::interrupted);
    EXPECT_EQ(stream.read_line(100).status, Status::interrupted);
    EXPECT_EQ(stream.read_some(100).status, Status::interrupted);
}

TEST(Stream, TelnetInterruptAfterCompleteLines) {
    SocketPair pair;
    TelnetFilter telnet;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    stream.set_input_filter(&telnet);
    send_all(pair.peer.get(), "x\ny\r\n\xff\xf4");
    EXPECT_EQ(text(stream.read_line(100)), "x");
    EXPECT_EQ(text(stream.read_line(100)), "y");
    EXPECT_EQ(stream.read_line(100).status, Status::interrupted);
}

TEST(Stream, ReadSomeReturnsBufferedDataFirst) {
    SocketPair pair;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    send_all(pair.peer.get(), "line\nrest");
    EXPECT_EQ(text(stream.read_line(100)), "line");
    // Already buffered: returned without another read (which would block here).
    Stream::Line chunk = stream.read_some(100);
    ASSERT_EQ(chunk.status, Status::ok);
    EXPECT_EQ(text(chunk), "rest");

    send_all(pair.peer.get(), "xyz");
    chunk = stream.read_some(2);
    ASSERT_EQ(chunk.status, Status::ok);
    EXPECT_EQ(text(chunk), "xy");
    chunk = stream.read_some(10);
    ASSERT_EQ(chunk.status, Status::ok);
    EXPECT_EQ(text(chunk), "z");

    ASSERT_EQ(::shutdown(pair.peer.get(), SHUT_WR), 0);
    EXPECT_EQ(stream.read_some(10).status, Status::eof);
}

TEST(Stream, ReadSomeAfterTelnetInterrupt) {
    SocketPair pair;
    TelnetFilter telnet;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    stream.set_input_filter(&telnet);
    send_all(pair.peer.get(),
             "ab\xff\xf4"
             "cd");
    const Stream::Line chunk = stream.read_some(100);
    ASSERT_EQ(chunk.status, Status::ok);
    EXPECT_EQ(text(chunk), "ab");
    EXPECT_EQ(stream.read_some(100).status, Status::interrupted);
}

TEST(Stream, ReadSomeNeverReturnsAnEmptyChunk) {
    SocketPair pair;
    TelnetFilter telnet;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options(100ms));
    stream.set_input_filter(&telnet);
    send_all(pair.peer.get(), "\xff\xf1\xff\xfd\x01");  // IAC NOP, IAC DO ECHO: no data at all
    EXPECT_EQ(stream.read_some(100).status, Status::timeout);
    EXPECT_EQ(stream.bytes_in(), 5u);
}

TEST(Stream, CloseGracefullyDeliversPendingOutputThenEof) {
    SocketPair pair;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    send_all(pair.peer.get(), "input never read\n");
    ASSERT_EQ(stream.write("bye\r\n"), Status::ok);
    milliseconds took{0};
    std::jthread closer([&] {
        const auto start = Clock::now();
        stream.close_gracefully(5000ms);
        took = since(start);
    });
    EXPECT_EQ(recv_until_eof(pair.peer.get()), "bye\r\n");
    pair.peer.reset();  // the peer closing ends the linger long before its 5 s
    closer.join();
    EXPECT_LT(took, 3000ms);
    EXPECT_EQ(stream.bytes_out(), 5u);
    EXPECT_EQ(stream.bytes_in(), 17u);  // the unread input was drained, not left to reset
}

TEST(Stream, CloseGracefullyReturnsWithinLingerWhenPeerStaysOpen) {
    SocketPair pair;
    send_all(pair.peer.get(), "more than we read\n");  // a client still sending
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    const auto start = Clock::now();
    stream.close_gracefully(200ms);
    const milliseconds elapsed = since(start);
    EXPECT_GE(elapsed, 150ms);
    EXPECT_LE(elapsed, 3000ms);
    EXPECT_EQ(recv_until_eof(pair.peer.get()), "");  // our side was shut down
}

TEST(Stream, CloseGracefullyDoesNotLingerWhenTheClientSentNothingMore) {
    SocketPair pair;
    send_all(pair.peer.get(), "exit\n");
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    ASSERT_EQ(stream.read_line(1024).status, Status::ok);
    ASSERT_EQ(stream.write("Bye!\r\n"), Status::ok);
    const auto start = Clock::now();
    stream.close_gracefully(5000ms);
    EXPECT_LT(since(start), 1000ms) << "nothing unread: no wait for the client's close";
    EXPECT_EQ(recv_until_eof(pair.peer.get()), "Bye!\r\n");
}

TEST(Stream, CloseGracefullyLingersWhenLinesWerePipelinedPastTheLastOne) {
    SocketPair pair;
    send_all(pair.peer.get(), "exit\nstill typing\n");
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    ASSERT_EQ(stream.read_line(1024).status, Status::ok);
    const auto start = Clock::now();
    stream.close_gracefully(200ms);
    EXPECT_GE(since(start), 150ms) << "a pipelining client may have more in flight";
}

TEST(Stream, CloseGracefullyIsNotExtendedByATricklingPeer) {
    SocketPair pair;
    std::atomic<bool> done{false};
    // Already sending when the close starts, so the close must linger.
    ASSERT_EQ(::send(pair.peer.get(), "z", 1, MSG_NOSIGNAL), 1);
    // One byte every 10 ms: each recv succeeds well within the linger, so only a deadline
    // over the whole linger ends it (64 KiB at this rate would take 11 minutes).
    std::jthread trickler([&] {
        const auto give_up = Clock::now() + 4s;  // see TricklingReaderCannotStretchAFlush
        while (!done.load() && Clock::now() < give_up) {
            if (::send(pair.peer.get(), "z", 1, MSG_NOSIGNAL) != 1) return;
            std::this_thread::sleep_for(10ms);
        }
    });
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    const auto start = Clock::now();
    stream.close_gracefully(300ms);
    const milliseconds elapsed = since(start);
    done.store(true);
    trickler.join();
    EXPECT_GE(elapsed, 250ms);
    EXPECT_LE(elapsed, 3000ms);
}

TEST(Stream, CloseGracefullyDrainsAtMost64KiB) {
    SocketPair pair;
    send_all(pair.peer.get(), std::string(4096, 'f'));  // already sending when the close starts
    std::jthread flooder([fd = pair.peer.get()] {
        const std::string block(4096, 'f');
        // Ends when the stream's end is closed (EPIPE) or, failing that, after 5 s.
        while (::send(fd, block.data(), block.size(), MSG_NOSIGNAL) > 0) {
        }
    });
    milliseconds elapsed{0};
    {
        net::SocketTransport transport(pair.ours.get());
        Stream stream(transport, options());
        const auto start = Clock::now();
        stream.close_gracefully(10000ms);
        elapsed = since(start);
        EXPECT_EQ(stream.bytes_in(), 64u * 1024u);
    }
    // Wakes the flooder (EPIPE) the way closing our end would; the watchdog keeps a copy open.
    ASSERT_EQ(::shutdown(pair.ours.get(), SHUT_RDWR), 0);
    flooder.join();
    EXPECT_LE(elapsed, 3000ms);
}

// A header in front of the protocol (PROXY): peek until its length is known, skip exactly it, and
// whatever the client sent after it in the same segment is the protocol's first input.
TEST(Stream, PeekLeavesTheInputAndSkipTakesExactlyTheHeader) {
    SocketPair pair;
    send_all(pair.peer.get(), "HDR:12\nrest\nline two\n");
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options());
    Stream::Line seen = stream.peek(4);
    ASSERT_EQ(seen.status, Status::ok);
    EXPECT_EQ(text(seen), "HDR:12\nrest\nline two\n") << "one read, all that had arrived";
    seen = stream.peek(4);  // enough is buffered: no read
    ASSERT_EQ(seen.status, Status::ok);
    stream.skip(7);
    for (const char* expected : {"rest", "line two"}) {
        const Stream::Line line = stream.read_line(100);
        ASSERT_EQ(line.status, Status::ok);
        EXPECT_EQ(text(line), expected);
    }
    EXPECT_EQ(stream.bytes_in(), 21u);
}

TEST(Stream, PeekReadsMoreUntilWantIsBufferedAndGrowsOnlyToWant) {
    SocketPair pair;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options(2000ms));
    const std::string big(3000, 'x');
    send_all(pair.peer.get(), big.substr(0, 10));
    Stream::Line seen = stream.peek(1);
    ASSERT_EQ(seen.status, Status::ok);
    EXPECT_EQ(seen.text.size(), 10u);
    std::thread sender([&] { send_all(pair.peer.get(), big.substr(10)); });
    while (seen.status == Status::ok && seen.text.size() < 3000)
        seen = stream.peek(3000);
    sender.join();
    ASSERT_EQ(seen.status, Status::ok);
    EXPECT_EQ(text(seen), big);
    EXPECT_LE(stream.buffer_capacity(), std::max<std::size_t>(3000, options().read_buffer));
}

TEST(Stream, PeekReportsTheEndWithWhatIsBuffered) {
    SocketPair pair;
    send_all(pair.peer.get(), "PRO");
    ::shutdown(pair.peer.get(), SHUT_WR);
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options(2000ms));
    Stream::Line seen = stream.peek(6);
    while (seen.status == Status::ok && seen.text.size() < 6)
        seen = stream.peek(6);
    EXPECT_EQ(seen.status, Status::eof);
    EXPECT_EQ(text(seen), "PRO");
}

// A peek that does not wait takes what has arrived, and reports timeout at once when nothing has,
// whatever the read timeout.
TEST(Stream, APeekWithoutWaitingReturnsAtOnce) {
    SocketPair pair;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options(30'000ms));
    const auto start = Clock::now();
    EXPECT_EQ(stream.peek(1, false).status, Status::timeout);
    EXPECT_LE(since(start), 1000ms);
    send_all(pair.peer.get(), "abc");
    Stream::Line seen = stream.peek(1, false);
    for (int i = 0; i < 100 && seen.status == Status::timeout; ++i)  // loopback delivers at once
        seen = stream.peek(1, false);
    ASSERT_EQ(seen.status, Status::ok);
    EXPECT_EQ(text(seen), "abc");
}

TEST(Stream, ReadTimeoutCanBeChangedMidStream) {
    SocketPair pair;
    net::SocketTransport transport(pair.ours.get());
    Stream stream(transport, options(30'000ms));
    stream.set_read_timeout(100ms);
    const auto start = Clock::now();
    EXPECT_EQ(stream.peek(1).status, Status::timeout);
    EXPECT_LE(since(start), 3000ms);
}

}  // namespace
}  // namespace hellod
