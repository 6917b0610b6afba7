// The metrics endpoint on real sockets: what a scraper gets, and what a slow or hostile client
// cannot do to it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/http_endpoint.hpp"
#include "net/listener.hpp"
#include "peer.hpp"
#include "socket_address.hpp"
#include "test_log.hpp"
#include "text/strings.hpp"

namespace hellod::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Limits = metrics::HttpEndpoint::Limits;

const std::string the_page =
    "# HELP hellod_up Whether hellod runs.\n# TYPE hellod_up gauge\n"
    "hellod_up 1\n";
constexpr std::size_t big_page_bytes = 8 << 20;

// One endpoint on 127.0.0.1, a port of its own.
class Endpoint {
  public:
    explicit Endpoint(
        metrics::HttpEndpoint::Render render = [] { return the_page; }, Limits limits = {},
        int backlog = 16) {
        auto set = net::open_listeners({"127.0.0.1:0"}, backlog);
        port_ = net::bound_port(set.listeners.at(0).fd.get());
        endpoint_.emplace(std::move(set.listeners), std::move(render), limits);
    }
    unsigned port() const { return port_; }
    Peer connect() const { return Peer("127.0.0.1", port_); }
    metrics::HttpEndpoint& get() { return *endpoint_; }
    void destroy() { endpoint_.reset(); }

  private:
    unsigned port_ = 0;
    std::optional<metrics::HttpEndpoint> endpoint_;
};

std::string request(std::string_view method, std::string_view target, std::string_view extra = "",
                    std::string_view version = "HTTP/1.1") {
    return std::string(method) + " " + std::string(target) + " " + std::string(version) +
           "\r\nHost: 127.0.0.1\r\nUser-Agent: Prometheus/2.45.0\r\n" + std::string(extra) + "\r\n";
}

struct Reply {
    int status = 0;
    std::string head;  // the status line and the fields, through the blank line
    std::string body;
    // The value of the first field called `name` (any case), or nullopt.
    std::optional<std::string> field(std::string_view name) const {
        for (std::size_t at = head.find("\r\n"); at != std::string::npos;) {
            const auto end = head.find("\r\n", at + 2);
            if (end == std::string::npos) break;
            const std::string_view line(head.data() + at + 2, end - at - 2);
            const auto colon = line.find(':');
            if (colon != std::string_view::npos &&
                equals_ignoring_case(line.substr(0, colon), name))
                return std::string(trim(line.substr(colon + 1)));
            at = end;
        }
        return std::nullopt;
    }
};

// Splits one response off the front of `bytes`; nullopt if no whole one is there. A HEAD's
// response has a Content-Length but no body.
std::optional<Reply> take_reply(std::string& bytes, bool head_request = false) {
    const auto end = bytes.find("\r\n\r\n");
    if (end == std::string::npos || bytes.compare(0, 9, "HTTP/1.1 ") != 0) return std::nullopt;
    Reply reply;
    reply.head = bytes.substr(0, end + 4);
    reply.status = std::stoi(reply.head.substr(9, 3));
    const auto length = reply.field("Content-Length");
    if (!length) return std::nullopt;
    const std::size_t body = head_request ? 0 : std::stoul(*length);
    if (bytes.size() < reply.head.size() + body) return std::nullopt;
    reply.body = bytes.substr(reply.head.size(), body);
    bytes.erase(0, reply.head.size() + body);
    return reply;
}

// Reads one response and no more (the connection may have more to say).
std::optional<Reply> read_reply(Peer& peer, bool head_request = false) {
    std::string bytes;
    while (bytes.find("\r\n\r\n") == std::string::npos && bytes.size() < 65536) {
        const auto byte = peer.read_exactly(1);
        if (byte.empty()) return std::nullopt;
        bytes += byte;
    }
    auto reply = take_reply(bytes, true);
    if (reply && !head_request)
        reply->body = peer.read_exactly(std::stoul(*reply->field("Content-Length")));
    return reply;
}

// Which of `events` came on `fd` within `limit` (0 if none did).
short wait_for(int fd, short events, std::chrono::milliseconds limit) {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, static_cast<int>(limit.count())) == 1 ? p.revents : 0;
}

// A client with a tiny receive buffer (set before connect, so the window stays small) that never
// reads: a big response piles up at the server.
net::UniqueFd stuck_client(unsigned port) {
    net::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int size = 4096;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    const auto address = socket_address("127.0.0.1", port);
    if (::connect(fd.get(), address.get(), address.length) != 0)
        throw std::runtime_error("cannot connect");
    const auto get = request("GET", "/metrics");
    if (::send(fd.get(), get.data(), get.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(get.size()))
        throw std::runtime_error("cannot send");
    return fd;
}

// The first render is a page bigger than any socket buffer, the others the usual one: a scraper
// served alongside a stuck client reads little, so that the test measures the endpoint alone.
metrics::HttpEndpoint::Render big_then_small(std::atomic<int>& calls) {
    return [&calls] { return calls++ == 0 ? std::string(big_page_bytes, 'x') : the_page; };
}

// For the tests of a close after the response: an idle keep-alive connection stays open far longer
// than the test waits, so that the end it sees can only be that close.
Limits patient() {
    Limits limits;
    limits.request_timeout = 60s;
    return limits;
}

// Everything until the endpoint closes, which must come soon.
Peer::Outcome read_to_close(Peer& peer) {
    const auto start = Clock::now();
    auto all = peer.read_all();
    EXPECT_EQ(all.end, "eof");
    EXPECT_LT(Clock::now() - start, 2s);
    return all;
}

bool scrape_succeeds(const Endpoint& endpoint) {
    auto peer = endpoint.connect();
    peer.send(request("GET", "/metrics"));
    const auto reply = read_reply(peer);
    return reply && reply->status == 200 && reply->body == the_page;
}

class MetricsEndpoint : public ::testing::Test {
  protected:
    // Debug, so that every connection's log lines are built (and checked by the sanitizers).
    void SetUp() override { log_to_terminal(LogLevel::debug); }
    void TearDown() override { log_to_terminal(LogLevel::info); }
};

TEST_F(MetricsEndpoint, ServesThePageAtSlashMetrics) {
    Endpoint endpoint;
    auto peer = endpoint.connect();
    peer.send(request("GET", "/metrics"));
    const auto reply = read_reply(peer);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->head.substr(0, 17), "HTTP/1.1 200 OK\r\n");
    EXPECT_EQ(reply->field("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(reply->field("Content-Length"), std::to_string(the_page.size()));
    EXPECT_EQ(reply->field("Server"), "hellod");
    EXPECT_EQ(reply->field("Connection"), std::nullopt);
    EXPECT_EQ(reply->body, the_page);
}

TEST_F(MetricsEndpoint, IgnoresTheQueryString) {
    Endpoint endpoint;
    auto peer = endpoint.connect();
    peer.send(request("GET", "/metrics?name[]=hellod_up&x=%00"));
    const auto reply = read_reply(peer);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, the_page);
}

TEST_F(MetricsEndpoint, AnswersHeadWithTheHeadersAndNoBody) {
    Endpoint endpoint([] { return the_page; }, patient());
    auto peer = endpoint.connect();
    peer.send(request("HEAD", "/metrics", "Connection: close\r\n"));
    auto all = read_to_close(peer);
    const auto reply = take_reply(all.bytes, true);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->field("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(reply->field("Content-Length"), std::to_string(the_page.size()));
    EXPECT_EQ(all.bytes, "");  // nothing after the header
}

TEST_F(MetricsEndpoint, ServesAnIndexPagePointingAtSlashMetrics) {
    Endpoint endpoint;
    auto peer = endpoint.connect();
    peer.send(request("GET", "/"));
    const auto reply = read_reply(peer);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
    EXPECT_NE(reply->body.find("href=\"/metrics\""), std::string::npos);
}

TEST_F(MetricsEndpoint, AnswersOtherPathsWith404AndStaysOpen) {
    Endpoint endpoint;
    auto peer = endpoint.connect();
    peer.send(request("GET", "/metricsx"));
    const auto missing = read_reply(peer);
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
    peer.send(request("GET", "/metrics"));
    const auto found = read_reply(peer);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->status, 200);
}

TEST_F(MetricsEndpoint, AnswersOtherMethodsWith405AndAllow) {
    Endpoint endpoint;
    auto peer = endpoint.connect();
    for (const auto* method : {"POST", "DELETE", "OPTIONS", "BREW"}) {
        peer.send(request(method, "/metrics", "Content-Length: 0\r\n"));
        const auto reply = read_reply(peer);
        ASSERT_TRUE(reply) << method;
        EXPECT_EQ(reply->status, 405) << method;
        EXPECT_EQ(reply->field("Allow"), "GET, HEAD") << method;
    }
}

TEST_F(MetricsEndpoint, KeepsTheConnectionForTheNextRequest) {
    std::atomic<int> calls{0};
    Endpoint endpoint([&calls] { return "hellod_scrapes " + std::to_string(++calls) + "\n"; });
    auto peer = endpoint.connect();
    for (int i = 1; i <= 2; ++i) {
        peer.send(request("GET", "/metrics"));
        const auto reply = read_reply(peer);
        ASSERT_TRUE(reply);
        EXPECT_EQ(reply->body, "hellod_scrapes " + std::to_string(i) + "\n");
    }
}

TEST_F(MetricsEndpoint, AnswersPipelinedRequestsInOrder) {
    Endpoint endpoint([] { return the_page; }, patient());
    auto peer = endpoint.connect();
    peer.send(request("GET", "/metrics") + request("HEAD", "/nowhere") +
              request("GET", "/", "Connection: close\r\n"));
    auto all = read_to_close(peer);
    const auto first = take_reply(all.bytes);
    const auto second = take_reply(all.bytes, true);
    const auto third = take_reply(all.bytes);
    ASSERT_TRUE(first && second && third);
    EXPECT_EQ(first->body, the_page);
    EXPECT_EQ(second->status, 404);
    EXPECT_EQ(third->status, 200);
    EXPECT_EQ(third->field("Connection"), "close");
    EXPECT_EQ(all.bytes, "");
}

TEST_F(MetricsEndpoint, ClosesAfterConnectionClose) {
    Endpoint endpoint([] { return the_page; }, patient());
    auto peer = endpoint.connect();
    peer.send(request("GET", "/metrics", "Connection: close\r\n"));
    auto all = read_to_close(peer);
    const auto reply = take_reply(all.bytes);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->body, the_page);
    EXPECT_EQ(reply->field("Connection"), "close");
}

TEST_F(MetricsEndpoint, ClosesAfterAnHttp10Request) {
    Endpoint endpoint([] { return the_page; }, patient());
    auto peer = endpoint.connect();
    peer.send(request("GET", "/metrics", "", "HTTP/1.0"));
    auto all = read_to_close(peer);
    const auto reply = take_reply(all.bytes);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->body, the_page);
}

TEST_F(MetricsEndpoint, KeepsAnHttp10ConnectionThatAsksForKeepAlive) {
    Endpoint endpoint;
    auto peer = endpoint.connect();
    for (int i = 0; i < 2; ++i) {
        peer.send(request("GET", "/metrics", "Connection: keep-alive\r\n", "HTTP/1.0"));
        const auto reply = read_reply(peer);
        ASSERT_TRUE(reply);
        EXPECT_EQ(reply->field("Connection"), "keep-alive");
        EXPECT_EQ(reply->body, the_page);
    }
}

// Each of these is answered, then the connection closes (and not with a reset that would
// destroy the answer: the client is still sending, or has sent more than was read).
void expect_refused(const Endpoint& endpoint, const std::string& bytes, int status) {
    auto peer = endpoint.connect();
    peer.send(bytes);
    auto all = read_to_close(peer);
    const auto reply = take_reply(all.bytes);
    ASSERT_TRUE(reply) << all.bytes;
    EXPECT_EQ(reply->status, status);
    EXPECT_EQ(reply->field("Connection"), "close");
}

TEST_F(MetricsEndpoint, AnswersMalformedRequestsWith400AndCloses) {
    Endpoint endpoint([] { return the_page; }, patient());
    expect_refused(endpoint, "this is not http\r\n\r\n", 400);
    expect_refused(endpoint, "GET /metrics HTTP/1.1\r\nNo colon here\r\n\r\n", 400);
    expect_refused(endpoint, "GET /metrics HTTX/1.1\r\n\r\n", 400);
}

TEST_F(MetricsEndpoint, AnswersAHeaderOverTheLimitWith431AndCloses) {
    Endpoint endpoint([] { return the_page; }, patient());
    expect_refused(endpoint,
                   request("GET", "/metrics", "X-Big: " + std::string(20000, 'a') + "\r\n"), 431);
    EXPECT_TRUE(scrape_succeeds(endpoint));
}

TEST_F(MetricsEndpoint, AnswersARequestWithABodyWith413AndCloses) {
    Endpoint endpoint([] { return the_page; }, patient());
    expect_refused(endpoint, request("GET", "/metrics", "Content-Length: 5\r\n") + "hello", 413);
    expect_refused(
        endpoint,
        request("POST", "/metrics", "Transfer-Encoding: chunked\r\n") + "5\r\nhello\r\n0\r\n\r\n",
        413);
}

TEST_F(MetricsEndpoint, AnswersARenderFailureWith500AndCarriesOn) {
    Endpoint endpoint([]() -> std::string { throw std::runtime_error("the server is gone"); });
    auto peer = endpoint.connect();
    for (int i = 0; i < 2; ++i) {
        peer.send(request("GET", "/metrics"));
        const auto reply = read_reply(peer);
        ASSERT_TRUE(reply);
        EXPECT_EQ(reply->status, 500);
    }
}

TEST_F(MetricsEndpoint, CutsASlowlorisAtTheDeadlineAndServesOthersMeanwhile) {
    Limits limits;
    limits.request_timeout = 300ms;
    Endpoint endpoint([] { return the_page; }, limits);
    auto slow = endpoint.connect();
    const auto start = Clock::now();
    // Longer than 3 s of bytes at 10 a second: it never completes before the test gives up.
    const auto bytes = request("GET", "/metrics", "X-Slow: " + std::string(40, 'a') + "\r\n");
    std::optional<Clock::duration> closed_after;
    bool served_meanwhile = false;
    for (std::size_t i = 0; i < bytes.size() && !closed_after; ++i) {
        slow.send(bytes.substr(i, 1));
        if (i == 1) served_meanwhile = scrape_succeeds(endpoint);
        if (wait_for(slow.fd(), POLLIN | POLLRDHUP, 100ms) != 0)
            closed_after = Clock::now() - start;
    }
    EXPECT_TRUE(served_meanwhile);
    ASSERT_TRUE(closed_after) << "never closed";
    EXPECT_GE(*closed_after, 250ms);
    EXPECT_LT(*closed_after, 1000ms);
    EXPECT_EQ(slow.read_all().bytes, "");  // closed without an answer
}

TEST_F(MetricsEndpoint, ClosesAnIdleKeepAliveConnectionAtTheRequestTimeout) {
    Limits limits;
    limits.request_timeout = 300ms;
    Endpoint endpoint([] { return the_page; }, limits);
    auto peer = endpoint.connect();
    peer.send(request("GET", "/metrics"));
    ASSERT_TRUE(read_reply(peer));
    const auto answered = Clock::now();
    const auto all = peer.read_all();
    const auto idle = Clock::now() - answered;
    EXPECT_EQ(all.end, "eof");
    EXPECT_GE(idle, 250ms);
    EXPECT_LT(idle, 1000ms);
}

TEST_F(MetricsEndpoint, EvictsTheConnectionIdleLongestForANewcomer) {
    Limits limits;
    limits.max_connections = 2;
    limits.request_timeout = 10s;
    Endpoint endpoint([] { return the_page; }, limits);
    auto oldest = endpoint.connect();
    auto younger = endpoint.connect();
    for (auto* peer : {&oldest, &younger}) {  // answered in this order: each is idle since
        peer->send(request("GET", "/metrics"));
        ASSERT_TRUE(read_reply(*peer));
    }
    EXPECT_TRUE(scrape_succeeds(endpoint));
    const auto start = Clock::now();
    EXPECT_EQ(oldest.read_all().end, "eof");
    EXPECT_LT(Clock::now() - start, 1s);
    younger.send(request("GET", "/metrics"));
    EXPECT_TRUE(read_reply(younger));
}

TEST_F(MetricsEndpoint, AFloodOfIdleConnectionsCannotLockAScraperOut) {
    Limits limits;
    limits.max_connections = 4;
    limits.request_timeout = 10s;  // longer than the test's bound: only eviction lets it in
    Endpoint endpoint([] { return the_page; }, limits, 64);
    std::vector<Peer> idle;
    for (int i = 0; i < 20; ++i)
        idle.push_back(endpoint.connect());
    const auto start = Clock::now();
    EXPECT_TRUE(scrape_succeeds(endpoint));
    EXPECT_LT(Clock::now() - start, 2s);
    EXPECT_EQ(idle.front().read_all().end, "eof");
}

TEST_F(MetricsEndpoint, CutsAClientThatNeverReadsAtTheWriteTimeout) {
    Limits limits;
    limits.write_timeout = 300ms;
    std::atomic<int> calls{0};
    Endpoint endpoint(big_then_small(calls), limits);
    const auto start = Clock::now();
    const auto stuck = stuck_client(endpoint.port());
    ASSERT_NE(wait_for(stuck.get(), POLLIN, 5000ms), 0) << "no response started";
    EXPECT_TRUE(scrape_succeeds(endpoint));  // while the big response is stuck
    // Not reading, so that the endpoint cannot finish: the reset is the endpoint giving up.
    ASSERT_NE(wait_for(stuck.get(), POLLRDHUP, 5000ms), 0) << "never cut";
    const auto cut_after = Clock::now() - start;
    EXPECT_GE(cut_after, 250ms);
    EXPECT_LT(cut_after, 1500ms);
    EXPECT_TRUE(scrape_succeeds(endpoint));
}

TEST_F(MetricsEndpoint, TurnsANewcomerAwayWhenEverySlotIsMidResponse) {
    Limits limits;
    limits.max_connections = 1;
    limits.write_timeout = 10s;
    std::atomic<int> calls{0};
    Endpoint endpoint(big_then_small(calls), limits);
    const auto stuck = stuck_client(endpoint.port());
    ASSERT_NE(wait_for(stuck.get(), POLLIN, 5000ms), 0) << "no response started";
    auto newcomer = endpoint.connect();
    newcomer.send(request("GET", "/metrics"));
    const auto start = Clock::now();
    const auto all = newcomer.read_all();
    EXPECT_EQ(all.bytes, "");
    EXPECT_TRUE(all.end == "eof" || all.end == "reset") << all.end;
    EXPECT_LT(Clock::now() - start, 1s);
}

TEST_F(MetricsEndpoint, StopReturnsPromptlyWithConnectionsOpen) {
    Limits limits;
    limits.request_timeout = 10s;
    limits.write_timeout = 10s;
    std::atomic<int> calls{0};
    Endpoint endpoint(big_then_small(calls), limits);
    const auto stuck = stuck_client(endpoint.port());
    ASSERT_NE(wait_for(stuck.get(), POLLIN, 5000ms), 0) << "no response started";
    auto idle = endpoint.connect();
    auto partial = endpoint.connect();
    partial.send("GET /metr");
    ASSERT_TRUE(scrape_succeeds(endpoint));  // all of them accepted by now
    const auto start = Clock::now();
    endpoint.get().stop();
    // stop() alone closes them (the thread does, as it ends): not only the destructor.
    EXPECT_EQ(idle.read_all().end, "eof");
    EXPECT_EQ(partial.read_all().end, "eof");
    endpoint.destroy();
    EXPECT_LT(Clock::now() - start, 1s);
    EXPECT_THROW(endpoint.connect(), std::runtime_error);  // the listener is gone: refused
}

// Takes every descriptor left, under a lowered limit; gives them back (and the limit) when gone.
class DescriptorsExhausted {
  public:
    DescriptorsExhausted() {
        ::getrlimit(RLIMIT_NOFILE, &saved_);
        rlimit low = saved_;
        low.rlim_cur = 256;
        ::setrlimit(RLIMIT_NOFILE, &low);
        for (;;) {
            net::UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
            if (!fd) break;
            held_.push_back(std::move(fd));
        }
    }
    ~DescriptorsExhausted() {
        held_.clear();
        ::setrlimit(RLIMIT_NOFILE, &saved_);
    }
    DescriptorsExhausted(const DescriptorsExhausted&) = delete;
    DescriptorsExhausted& operator=(const DescriptorsExhausted&) = delete;
    void give_back() { held_.clear(); }

  private:
    rlimit saved_{};
    std::vector<net::UniqueFd> held_;
};

std::chrono::microseconds cpu_time() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto seconds = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec;
    return std::chrono::seconds(seconds) +
           std::chrono::microseconds(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

TEST_F(MetricsEndpoint, PausesRatherThanSpinsWhenDescriptorsRunOut) {
    Endpoint endpoint;
    // One scrape first, as a running daemon would have served. It also matters to UBSan: its
    // check of a virtual call's type tests the memory it reads through a pipe, which it cannot
    // make once the descriptors are gone, and would then report the endpoint's first log line
    // as a call on an invalid object. A type it has checked once it never checks again. The
    // connection stays open (keep-alive): its closing would free a descriptor mid-test.
    Peer warm = endpoint.connect();
    warm.send(request("GET", "/metrics"));
    const auto warm_reply = read_reply(warm);
    ASSERT_TRUE(warm_reply);
    EXPECT_EQ(warm_reply->status, 200);
    // The client's descriptor first, the connection after: the endpoint has none left for it.
    net::UniqueFd scraper(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    DescriptorsExhausted exhausted;
    const auto address = socket_address("127.0.0.1", endpoint.port());
    ASSERT_EQ(::connect(scraper.get(), address.get(), address.length), 0);
    const auto get = request("GET", "/metrics");
    ASSERT_EQ(::send(scraper.get(), get.data(), get.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(get.size()));
    const auto cpu_before = cpu_time();
    // The endpoint tries and fails to accept meanwhile: a spinning loop would burn all of it.
    EXPECT_EQ(wait_for(scraper.get(), POLLIN, 500ms), 0) << "answered without a descriptor?";
    EXPECT_LT(cpu_time() - cpu_before, 250ms);
    exhausted.give_back();
    EXPECT_NE(wait_for(scraper.get(), POLLIN, 1000ms), 0)
        << "not answered once descriptors came back";
    char head[17] = {};
    EXPECT_EQ(::recv(scraper.get(), head, 17, MSG_WAITALL), 17);
    EXPECT_EQ(std::string_view(head, 17), "HTTP/1.1 200 OK\r\n");
}

}  // namespace
}  // namespace hellod::testing
