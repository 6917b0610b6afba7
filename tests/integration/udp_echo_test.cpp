// The UDP echo service on real sockets, driven by real UDP clients.
#include "server/udp_echo.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "captured_stderr.hpp"
#include "log/log.hpp"
#include "net/listener.hpp"
#include "test_log.hpp"
#include "test_server.hpp"
#include "udp_client.hpp"

namespace hellod::testing {
namespace {

using namespace std::chrono_literals;

// Waited on a datagram that must not come: it would have been sent before the answer the
// test already holds, so this is margin, not synchronisation.
constexpr auto no_reply_wait = 200ms;

bool has_ipv6_loopback() {
    UdpClient probe(AF_INET6);
    return probe.bind(socket_address("::1", 0)) == 0;
}

// One UdpEcho over sockets opened from `specs`, and the port of each; with no limit per
// source unless `rate` is given.
class Echo {
  public:
    explicit Echo(const std::vector<std::string>& specs,
                  const std::function<void(std::vector<net::Listener>&)>& prepare = {},
                  std::size_t rate = 0) {
        auto set = net::open_udp_sockets(specs);
        if (prepare) prepare(set.listeners);
        for (const auto& socket : set.listeners) {
            ports_.push_back(net::bound_port(socket.fd.get()));
            names_.push_back(socket.name);
        }
        echo_ = std::make_unique<UdpEcho>(std::move(set.listeners), rate);
    }
    UdpEcho& service() { return *echo_; }
    unsigned port(std::size_t i = 0) const { return ports_.at(i); }
    const std::string& name(std::size_t i = 0) const { return names_.at(i); }
    void destroy() { echo_.reset(); }

  private:
    std::vector<unsigned> ports_;
    std::vector<std::string> names_;
    std::unique_ptr<UdpEcho> echo_;
};

UdpClient client_of(const std::string& host, unsigned port) {
    UdpClient client(host.find(':') == std::string::npos ? AF_INET : AF_INET6);
    client.connect(socket_address(host, port));
    return client;
}

class UdpEchoTest : public ::testing::Test {
  protected:
    void SetUp() override {
        // Debug, so that every datagram's log line is built (and checked by the sanitizers).
        log_to_terminal(LogLevel::debug);
    }
};

TEST_F(UdpEchoTest, SendsBackEveryByteValueUnchanged) {
    Echo echo({"127.0.0.1:0"});
    auto client = client_of("127.0.0.1", echo.port());
    std::string all(256, '\0');
    for (int i = 0; i < 256; ++i)
        all[static_cast<std::size_t>(i)] = static_cast<char>(i);
    const std::string payload = std::string("a\0b\xff", 4) + all + "\r\n\xff\xfe";
    client.send(payload);
    EXPECT_EQ(client.receive(), payload);
    EXPECT_TRUE(eventually([&] { return echo.service().echoed() == 1; }));
}

TEST_F(UdpEchoTest, LargestIpv4DatagramComesBackWhole) {
    Echo echo({"127.0.0.1:0"});
    auto client = client_of("127.0.0.1", echo.port());
    std::string payload(65507, '\0');
    for (std::size_t i = 0; i < payload.size(); ++i)
        payload[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
    client.send(payload);
    const auto reply = client.receive();
    ASSERT_TRUE(reply.has_value()) << "errno " << client.last_error();
    EXPECT_EQ(reply->size(), payload.size());
    EXPECT_TRUE(*reply == payload);  // not EXPECT_EQ: a mismatch would print 128 KiB
}

TEST_F(UdpEchoTest, EmptyDatagramComesBackEmpty) {
    Echo echo({"127.0.0.1:0"});
    auto client = client_of("127.0.0.1", echo.port());
    client.send("");
    EXPECT_EQ(client.receive(), std::string());
    client.send("after");
    EXPECT_EQ(client.receive(), "after");
}

TEST_F(UdpEchoTest, EachClientGetsItsOwnAnswer) {
    Echo echo({"127.0.0.1:0"});
    constexpr int clients = 50;
    std::vector<UdpClient> open;
    for (int i = 0; i < clients; ++i)
        open.push_back(client_of("127.0.0.1", echo.port()));
    // Every request is out before any answer is read, so the answers are in flight together.
    for (int i = 0; i < clients; ++i)
        open[i].send("client " + std::to_string(i));
    for (int i = 0; i < clients; ++i)
        EXPECT_EQ(open[i].receive(), "client " + std::to_string(i)) << i;
    EXPECT_TRUE(eventually([&] { return echo.service().echoed() == clients; }));
}

TEST_F(UdpEchoTest, PrivilegedSourcePortIsNotAnswered) {
    Echo echo({"127.0.0.1:0"});
    UdpClient privileged;
    int error = EADDRINUSE;
    for (unsigned port = 1023; port >= 900 && error == EADDRINUSE; --port)
        error = privileged.bind(socket_address("127.0.0.1", port));
    if (error == EACCES || error == EPERM)
        GTEST_SKIP() << "binding a port below 1024 needs root or CAP_NET_BIND_SERVICE";
    ASSERT_EQ(error, 0) << "no free port below 1024";
    privileged.connect(socket_address("127.0.0.1", echo.port()));
    privileged.send("from a privileged port");
    // Both go to the same socket, so the first has been dealt with when the second is answered.
    auto ordinary = client_of("127.0.0.1", echo.port());
    ordinary.send("ordinary");
    ASSERT_EQ(ordinary.receive(), "ordinary");
    EXPECT_EQ(privileged.receive(no_reply_wait), std::nullopt);
    EXPECT_TRUE(eventually([&] { return echo.service().echoed() == 1; }));
}

TEST_F(UdpEchoTest, BroadcastIsNotAnswered) {
    Echo echo({"0.0.0.0:0"});
    UdpClient broadcaster;
    const int one = 1;
    ASSERT_EQ(::setsockopt(broadcaster.fd(), SOL_SOCKET, SO_BROADCAST, &one, sizeof one), 0);
    // 127.255.255.255 is the loopback network's broadcast address on Linux; it stays on lo.
    broadcaster.send_to("to everyone", socket_address("127.255.255.255", echo.port()));
    auto ordinary = client_of("127.0.0.1", echo.port());
    ordinary.send("to you");
    ASSERT_EQ(ordinary.receive(), "to you");
    EXPECT_EQ(broadcaster.receive(no_reply_wait), std::nullopt);
    EXPECT_TRUE(eventually([&] { return echo.service().echoed() == 1; }));
}

TEST_F(UdpEchoTest, AReplyThatCannotBeSentIsDroppedAndTheServiceGoesOn) {
    // Shut for sending (Linux marks even an unconnected UDP socket so, though it reports
    // ENOTCONN), the first socket fails every reply with EPIPE.
    Echo echo({"127.0.0.1:0", "127.0.0.1:0"}, [](std::vector<net::Listener>& sockets) {
        const int fd = sockets.at(0).fd.get();
        ::shutdown(fd, SHUT_WR);
        const auto discard = socket_address("127.0.0.1", 9);
        EXPECT_EQ(::sendto(fd, "x", 1, MSG_DONTWAIT, discard.get(), discard.length), -1);
        EXPECT_EQ(errno, EPIPE);
    });
    auto failing = client_of("127.0.0.1", echo.port(0));
    auto ordinary = client_of("127.0.0.1", echo.port(1));
    // The second socket has had nothing yet, so the thread takes up the first socket's
    // datagram before (or in the same wake-up as, and ahead of) the second's.
    failing.send("lost");
    ordinary.send("kept");
    ASSERT_EQ(ordinary.receive(), "kept");
    failing.send("lost again");
    ordinary.send("kept again");
    ASSERT_EQ(ordinary.receive(), "kept again");
    EXPECT_EQ(failing.receive(no_reply_wait), std::nullopt);
    EXPECT_TRUE(eventually([&] { return echo.service().echoed() == 2; }));
}

TEST_F(UdpEchoTest, StopEndsTheThreadPromptlyAndClosesTheSockets) {
    Echo echo({"127.0.0.1:0"});
    auto client = client_of("127.0.0.1", echo.port());
    client.send("before");
    ASSERT_EQ(client.receive(), "before");
    echo.service().stop();
    echo.service().stop();  // twice is harmless
    const auto start = std::chrono::steady_clock::now();
    echo.destroy();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    // The socket is closed: the kernel answers with port unreachable.
    client.send("after");
    EXPECT_EQ(client.receive(), std::nullopt);
    EXPECT_EQ(client.last_error(), ECONNREFUSED);
}

TEST_F(UdpEchoTest, Ipv6LoopbackIsServed) {
    if (!has_ipv6_loopback()) GTEST_SKIP() << "no IPv6 loopback on this machine";
    Echo echo({"[::1]:0"});
    EXPECT_EQ(echo.name(), "[::1]:" + std::to_string(echo.port()));
    auto client = client_of("::1", echo.port());
    client.send(std::string("six\0", 4));
    EXPECT_EQ(client.receive(), std::string("six\0", 4));
}

// Issue 19: without a limit per source, one forged datagram could bounce between two echo
// services on high ports for ever, and a flood was reflected at full rate. A thousand
// datagrams from one address, through several ports, get back at most the burst and what the
// rate refills meanwhile (without the limit, all thousand came back); another address has a
// bucket of its own; and the log has one line for it all.
TEST_F(UdpEchoTest, ASourceOverUdpEchoRateGetsTheRateAndNoMore) {
    log_to_terminal(LogLevel::info);  // not a debug line per drop
    constexpr std::size_t rate = 10;
    constexpr int datagrams = 1000;
    constexpr int batch = 50;
    constexpr int ports = 4;
    CapturedStderr captured;
    Echo echo({"127.0.0.1:0"}, {}, rate);
    std::vector<UdpClient> clients;
    for (int i = 0; i < ports; ++i)
        clients.push_back(client_of("127.0.0.1", echo.port()));
    const auto handled = [&] { return echo.service().echoed() + echo.service().over_rate(); };

    std::size_t received = 0;
    const auto receive_all = [&] {
        for (auto& client : clients)
            while (client.receive(0ms))
                ++received;
    };
    const auto start = std::chrono::steady_clock::now();
    for (int sent = 0; sent < datagrams;) {
        for (int i = 0; i < batch; ++i, ++sent)
            clients[static_cast<std::size_t>(sent % ports)].send("datagram " +
                                                                 std::to_string(sent));
        // Each batch is dealt with (answered or dropped) before the next goes out, so no socket
        // buffer overflows and every datagram is accounted for. On loopback an answer is in the
        // client's buffer by the time it is counted.
        ASSERT_TRUE(eventually([&] { return handled() == static_cast<std::uint64_t>(sent); }))
            << handled() << " of " << sent << " handled";
        receive_all();
    }
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    const auto echoed = echo.service().echoed();
    // The bucket starts full (the burst) and refills at `rate` a second; +1 for rounding.
    const auto most = static_cast<std::uint64_t>(static_cast<double>(rate) +
                                                 static_cast<double>(rate) * elapsed.count()) +
                      1;
    EXPECT_LE(echoed, most) << "echoed " << echoed << " of " << datagrams << " in "
                            << elapsed.count() << " s";
    EXPECT_GE(echoed, rate);  // the burst is answered
    EXPECT_EQ(echo.service().over_rate(), datagrams - echoed);
    EXPECT_EQ(received, echoed);

    // Another source address, same service: a full bucket of its own.
    UdpClient other;
    ASSERT_EQ(other.bind(socket_address("127.0.0.2", 0)), 0);
    other.connect(socket_address("127.0.0.1", echo.port()));
    other.send("from another address");
    EXPECT_EQ(other.receive(), "from another address");

    echo.destroy();  // every line is written once the thread is gone
    std::vector<std::string> lines;
    for (const auto& line : captured.lines())
        if (line.find("over udp-echo-rate") != std::string::npos) lines.push_back(line);
    // The first drop, at once; the rest would be counted in a line a minute after it.
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find(" warning udp echo: dropped a datagram from 127.0.0.1:"),
              std::string::npos)
        << lines[0];
    EXPECT_TRUE(
        lines[0].ends_with(" over udp-echo-rate (10 a second); further drops are "
                           "counted in one line a minute"))
        << lines[0];
}

TEST_F(UdpEchoTest, SetRateAppliesToTheNextDatagram) {
    Echo echo({"127.0.0.1:0"}, {}, 1);
    auto client = client_of("127.0.0.1", echo.port());
    client.send("first");
    ASSERT_EQ(client.receive(), "first");
    client.send("over the rate");
    ASSERT_TRUE(eventually([&] { return echo.service().over_rate() == 1; }));
    echo.service().set_rate(0);  // as a reload to no limit does
    for (const char* payload : {"a", "b", "c"}) {
        client.send(payload);
        EXPECT_EQ(client.receive(), payload);
    }
    echo.service().set_rate(1);  // and back: a fresh, full bucket
    client.send("again");
    EXPECT_EQ(client.receive(), "again");
    client.send("over again");
    ASSERT_TRUE(eventually([&] { return echo.service().over_rate() == 2; }));
    EXPECT_EQ(client.receive(no_reply_wait), std::nullopt);
    EXPECT_EQ(echo.service().echoed(), 5u);
}

// The clients are connected, so an answer counts only if it comes from the very address the
// request was sent to.
class UdpEchoWildcardTest : public UdpEchoTest,
                            public ::testing::WithParamInterface<const char*> {};

TEST_P(UdpEchoWildcardTest, AnswersFromTheAddressWrittenTo) {
    Echo echo({GetParam()});
    for (const char* to : {"127.0.0.1", "127.0.0.2"}) {
        auto client = client_of(to, echo.port());
        client.send(std::string("to ") + to);
        EXPECT_EQ(client.receive(), std::string("to ") + to) << "errno " << client.last_error();
    }
}

INSTANTIATE_TEST_SUITE_P(Wildcards, UdpEchoWildcardTest, ::testing::Values("*:0", "0.0.0.0:0"),
                         [](const auto& param_info) {
                             return std::string(param_info.param[0] == '*' ? "DualStack" : "Ipv4");
                         });

TEST_F(UdpEchoTest, Ipv6WildcardsAnswerFromTheAddressWrittenTo) {
    if (!has_ipv6_loopback()) GTEST_SKIP() << "no IPv6 loopback on this machine";
    for (const char* spec : {"*:0", "[::]:0"}) {
        Echo echo({spec});
        ASSERT_EQ(echo.name().rfind(spec[0] == '*' ? "*:" : "[::]:", 0), 0u) << echo.name();
        auto client = client_of("::1", echo.port());
        client.send("to ::1");
        EXPECT_EQ(client.receive(), "to ::1") << spec << " errno " << client.last_error();
    }
}

}  // namespace
}  // namespace hellod::testing
