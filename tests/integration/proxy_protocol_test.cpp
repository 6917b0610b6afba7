// proxy-protocol-from through the real Server over real loopback sockets, the test playing the
// balancer (127.0.0.1) and the clients behind it: the header comes before the welcome, the
// client it names is the one the rules, the limits and the access line see, and a connection
// without a proper header is closed without a byte.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "captured_stderr.hpp"
#include "log/log.hpp"
#include "peer.hpp"
#include "proxy_headers.hpp"
#include "test_log.hpp"
#include "test_server.hpp"

namespace hellod::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kTranscript = "Welcome!\r\nHello, Ann!\r\nBye!\r\n";

Settings behind_balancer(std::vector<const char*> deny = {}) {
    Settings s = quick_settings();
    s.idle_timeout = 5s;
    s.proxy_protocol_from = {net::Cidr::parse("127.0.0.1")};
    for (const char* text : deny)
        s.access.deny(net::Cidr::parse(text));
    return s;
}

std::vector<std::string> lines_with(const std::vector<std::string>& lines, std::string_view part) {
    std::vector<std::string> out;
    std::ranges::copy_if(lines, std::back_inserter(out), [&](const std::string& line) {
        return line.find(part) != std::string::npos;
    });
    return out;
}

std::string all_of(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines)
        text += line + "\n";
    return text;
}

// What a client reads within `limit` without sending anything (a header, say).
std::string read_within(Peer& peer, std::chrono::milliseconds limit) {
    const timeval timeout{0, static_cast<suseconds_t>(limit.count() * 1000)};
    ::setsockopt(peer.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char buffer[256];
    const ssize_t n = ::recv(peer.fd(), buffer, sizeof buffer, 0);
    const timeval back{5, 0};
    ::setsockopt(peer.fd(), SOL_SOCKET, SO_RCVTIMEO, &back, sizeof back);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

class ProxyProtocolTest : public ::testing::Test {
  protected:
    void SetUp() override { log_to_terminal(LogLevel::info); }
};

TEST_F(ProxyProtocolTest, AV1HeaderNamesTheClientInTheAccessLine) {
    CapturedStderr captured;
    TestServer server(behind_balancer());
    Peer balancer("127.0.0.1", server.port(), "127.0.0.1");
    // The header, then the client's lines in the same segment: they stay for the session.
    balancer.send(proxy_v1("192.0.2.7", "127.0.0.1", 51234, server.port()) + "Ann\nexit\n");
    const auto outcome = balancer.read_all();
    EXPECT_EQ(outcome.bytes, kTranscript);
    EXPECT_EQ(outcome.end, "eof");
    server.stop();
    const auto access = lines_with(captured.lines(), " access ");
    ASSERT_EQ(access.size(), 1u) << all_of(access);
    EXPECT_NE(access[0].find(" access peer=192.0.2.7:51234 via=127.0.0.1:"), std::string::npos)
        << access[0];
    EXPECT_NE(access[0].find(" lines=2 in=9 out=29 end=exit"), std::string::npos)
        << "in= counts the client's bytes, not the header's: " << access[0];
}

TEST_F(ProxyProtocolTest, AV2HeaderNamesAnIpv6ClientAndItsTlvsAreSkipped) {
    CapturedStderr captured;
    TestServer server(behind_balancer());
    Peer balancer("127.0.0.1", server.port(), "127.0.0.1");
    const std::string tlvs = proxy_v2_tlv(0x01, "h2") + proxy_v2_tlv(0x04, std::string(3000, 'n'));
    balancer.send(proxy_v2_tcp("2001:db8::7", "2001:db8::1", 443, 9999, tlvs));
    balancer.send("Ann\nexit\n");
    EXPECT_EQ(balancer.read_all().bytes, kTranscript);
    server.stop();
    const auto access = lines_with(captured.lines(), " access ");
    ASSERT_EQ(access.size(), 1u) << all_of(access);
    EXPECT_NE(access[0].find(" access peer=[2001:db8::7]:443 via=127.0.0.1:"), std::string::npos)
        << access[0];
}

// The largest header v2 allows (16 + 65535 bytes) is read whole, and the session goes on.
TEST_F(ProxyProtocolTest, TheLargestV2HeaderIsReadWhole) {
    TestServer server(behind_balancer());
    Peer balancer("127.0.0.1", server.port(), "127.0.0.1");
    const std::string addresses = proxy_v2_addresses("192.0.2.7", "127.0.0.1", 1, 2);
    const std::string tlv = proxy_v2_tlv(0xe0, std::string(65535 - addresses.size() - 3, 'x'));
    const std::string header = proxy_v2(1, 0x11, addresses + tlv);
    ASSERT_EQ(header.size(), 16u + 65535u);
    balancer.send(header + "Ann\nexit\n");
    EXPECT_EQ(balancer.read_all().bytes, kTranscript);
}

TEST_F(ProxyProtocolTest, TheWelcomeWaitsForTheHeader) {
    TestServer server(behind_balancer());
    Peer balancer("127.0.0.1", server.port(), "127.0.0.1");
    EXPECT_EQ(read_within(balancer, 300ms), "") << "a byte was sent before the header came";
    balancer.send(proxy_v1("192.0.2.7", "127.0.0.1", 1, 2));
    balancer.send("Ann\nexit\n");
    EXPECT_EQ(balancer.read_all().bytes, kTranscript);
}

// Headers that relay no client (v1 UNKNOWN, v2 UNSPEC or UNIX): the connection's own address
// stands, and no via. The balancer's own health checks (v2 LOCAL, and a v1 header naming the
// connection itself, which is what haproxy's v1 checks send) likewise, logged at debug.
TEST_F(ProxyProtocolTest, HeadersWithoutAClientKeepTheBalancersAddress) {
    log::set_level(LogLevel::debug);
    CapturedStderr captured;
    TestServer server(behind_balancer());
    struct Case {
        std::string header;
        const char* level;
    };
    std::vector<Case> cases = {
        {proxy_v2(0, 0x00, ""), "debug"},
        {proxy_v2(0, 0x11, std::string(12, 'a')), "debug"},
        {"PROXY UNKNOWN\r\n", "info "},
        {"PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n", "info "},
        {proxy_v2(1, 0x31, std::string(216, '\0')), "info "},
        {proxy_v2(1, 0x00, ""), "info "},
    };
    for (const auto& c : cases) {
        Peer balancer("127.0.0.1", server.port(), "127.0.0.1");
        balancer.send(c.header + "Ann\nexit\n");
        EXPECT_EQ(balancer.read_all().bytes, kTranscript);
    }
    {
        Peer balancer("127.0.0.1", server.port(), "127.0.0.1");
        sockaddr_in local{};
        socklen_t length = sizeof local;
        ASSERT_EQ(::getsockname(balancer.fd(), reinterpret_cast<sockaddr*>(&local), &length), 0);
        balancer.send(proxy_v1("127.0.0.1", "127.0.0.1", ntohs(local.sin_port), server.port()) +
                      "Ann\nexit\n");
        EXPECT_EQ(balancer.read_all().bytes, kTranscript);
        cases.push_back({"v1 naming itself", "debug"});
    }
    server.stop();
    log::set_level(LogLevel::info);
    // An access line is written after its client has seen the end, so the next session may
    // log first: the lines are counted by level, not matched in order.
    const auto access = lines_with(captured.lines(), " access ");
    ASSERT_EQ(access.size(), cases.size()) << all_of(access);
    for (const char* level : {"debug", "info "}) {
        const auto expected = std::ranges::count_if(
            cases, [&](const Case& c) { return std::string_view(c.level) == level; });
        EXPECT_EQ(lines_with(access, std::string(level) + " access peer=127.0.0.1:").size(),
                  static_cast<std::size_t>(expected))
            << level << ":\n"
            << all_of(access);
    }
    EXPECT_TRUE(lines_with(access, "via=").empty()) << all_of(access);
}

// Anyone but the balancer is served as before: a PROXY line is a line like any other.
TEST_F(ProxyProtocolTest, AnUntrustedPeersProxyLineIsAnsweredAsALine) {
    CapturedStderr captured;
    TestServer server(behind_balancer());
    Peer client("127.0.0.1", server.port(), "127.0.0.2");
    client.send("PROXY TCP4 192.0.2.7 127.0.0.1 1 2\r\nexit\n");
    EXPECT_EQ(client.read_all().bytes,
              "Welcome!\r\nHello, PROXY TCP4 192.0.2.7 127.0.0.1 1 2!\r\nBye!\r\n");
    server.stop();
    const auto access = lines_with(captured.lines(), " access ");
    ASSERT_EQ(access.size(), 1u);
    EXPECT_NE(access[0].find(" access peer=127.0.0.2:"), std::string::npos) << access[0];
}

// From the balancer, a connection that is not a PROXY header is closed unanswered, and logged
// once a minute per balancer.
TEST_F(ProxyProtocolTest, NoHeaderFromTheBalancerIsClosedUnansweredAndLoggedOnce) {
    CapturedStderr captured;
    TestServer server(behind_balancer());
    for (const char* input : {"Ann\n", "PROXY TCP4 192.0.2.7 127.0.0.1 1\r\n",
                              "PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n"}) {
        Peer balancer("127.0.0.1", server.port(), "127.0.0.1");
        balancer.send(input);
        const auto outcome = balancer.read_all();
        EXPECT_EQ(outcome.bytes, "") << input;
        EXPECT_NE(outcome.end, "timeout") << input;
    }
    server.stop();
    const auto lines = captured.lines();
    const auto bad = lines_with(lines, "bad PROXY header");
    ASSERT_EQ(bad.size(), 1u) << all_of(lines);
    EXPECT_NE(bad[0].find("warning bad PROXY header from 127.0.0.1:"), std::string::npos) << bad[0];
    EXPECT_NE(bad[0].find("; closed without a reply"), std::string::npos) << bad[0];
    EXPECT_TRUE(lines_with(lines, " access ").empty()) << all_of(lines);
}

// proxy-header-timeout bounds the whole header, not each read: a byte at a time cannot hold a
// worker for longer.
TEST_F(ProxyProtocolTest, AHeaderThatTrickles) {
    CapturedStderr captured;
    Settings s = behind_balancer();
    s.proxy_header_timeout = 500ms;
    TestServer server(std::move(s));
    Peer balancer("127.0.0.1", server.port(), "127.0.0.1");
    const std::string header = proxy_v1("192.0.2.7", "127.0.0.1", 51234, 9999);
    const auto start = Clock::now();
    std::size_t sent = 0;
    // A byte every 100 ms would take 4 s; the server must close at about 0.5 s.
    while (sent < header.size() && Clock::now() - start < 3s) {
        if (::send(balancer.fd(), header.data() + sent, 1, MSG_NOSIGNAL) != 1) break;
        ++sent;
        std::this_thread::sleep_for(100ms);  // the pace of the attack itself
    }
    EXPECT_LT(sent, header.size()) << "the server waited for the whole trickle";
    const auto outcome = balancer.read_all();
    EXPECT_EQ(outcome.bytes, "");
    EXPECT_LT(Clock::now() - start, 3s);
    server.stop();
    const auto bad = lines_with(captured.lines(), "bad PROXY header");
    ASSERT_EQ(bad.size(), 1u);
    EXPECT_NE(bad[0].find("no complete header within 0.5 s (proxy-header-timeout)"),
              std::string::npos)
        << bad[0];
}

TEST_F(ProxyProtocolTest, NoHeaderAtAllTimesOut) {
    CapturedStderr captured;
    Settings s = behind_balancer();
    s.proxy_header_timeout = 200ms;
    TestServer server(std::move(s));
    Peer balancer("127.0.0.1", server.port(), "127.0.0.1");
    const auto outcome = balancer.read_all();
    EXPECT_EQ(outcome.bytes, "");
    EXPECT_EQ(outcome.end, "eof");
    server.stop();
    const auto bad = lines_with(captured.lines(), "bad PROXY header");
    ASSERT_EQ(bad.size(), 1u);
    EXPECT_NE(bad[0].find("(no header within 0.2 s (proxy-header-timeout))"), std::string::npos)
        << bad[0];
}

// A TCP health check connects and closes: nothing worth a warning.
TEST_F(ProxyProtocolTest, AConnectionClosedBeforeAnyByteIsNotAWarning) {
    CapturedStderr captured;
    TestServer server(behind_balancer());
    {
        Peer balancer("127.0.0.1", server.port(), "127.0.0.1");
        balancer.shutdown_write();
        EXPECT_EQ(balancer.read_all().bytes, "");
    }
    server.stop();
    const auto lines = captured.lines();
    EXPECT_TRUE(lines_with(lines, "PROXY").empty()) << all_of(lines);
}

TEST_F(ProxyProtocolTest, DenyRulesApplyToTheClientTheHeaderNames) {
    CapturedStderr captured;
    TestServer server(behind_balancer({"192.0.2.66"}));
    Peer denied("127.0.0.1", server.port(), "127.0.0.1");
    denied.send(proxy_v1("192.0.2.66", "127.0.0.1", 1, 2));
    const auto outcome = denied.read_all();
    EXPECT_EQ(outcome.bytes, "");
    EXPECT_EQ(outcome.end, "reset");
    Peer admitted("127.0.0.1", server.port(), "127.0.0.1");
    admitted.send(proxy_v1("192.0.2.67", "127.0.0.1", 1, 2) + "Ann\nexit\n");
    EXPECT_EQ(admitted.read_all().bytes, kTranscript);
    server.stop();
    const auto refused = lines_with(captured.lines(), " refused ");
    ASSERT_EQ(refused.size(), 1u);
    EXPECT_NE(refused[0].find(" refused 192.0.2.66 via 127.0.0.1:"), std::string::npos)
        << refused[0];
    EXPECT_NE(refused[0].find(" (deny 192.0.2.66/32)"), std::string::npos) << refused[0];
}

// An allow list is about clients: a balancer's LOCAL connection is its own client, so the rules
// judge it by its own address.
TEST_F(ProxyProtocolTest, AllowRulesJudgeALocalConnectionByItsOwnAddress) {
    Settings s = behind_balancer();
    s.access.allow(net::Cidr::parse("192.0.2.0/24"));
    TestServer server(std::move(s));
    Peer proxied("127.0.0.1", server.port(), "127.0.0.1");
    proxied.send(proxy_v2_tcp("192.0.2.7", "127.0.0.1", 1, 2) + "Ann\nexit\n");
    EXPECT_EQ(proxied.read_all().bytes, kTranscript)
        << "the balancer itself is not in the allow list";
    Peer local("127.0.0.1", server.port(), "127.0.0.1");
    local.send(proxy_v2(0, 0x00, ""));
    EXPECT_EQ(local.read_all().bytes, "");
}

// The connection counts against the balancer until its header names the client, then against
// the client: the per-address limit is per client, and the balancer is never the one limited.
TEST_F(ProxyProtocolTest, ThePerAddressLimitCountsClientsNotTheBalancer) {
    CapturedStderr captured;
    Settings s = behind_balancer();
    s.max_connections_per_ip = 2;
    TestServer server(std::move(s));
    std::vector<std::unique_ptr<Peer>> held;
    for (const char* client : {"192.0.2.7", "192.0.2.7", "192.0.2.8", "192.0.2.8"}) {
        held.push_back(std::make_unique<Peer>("127.0.0.1", server.port(), "127.0.0.1"));
        held.back()->send(proxy_v1(client, "127.0.0.1", 1, 2));
        EXPECT_EQ(held.back()->read_exactly(10), "Welcome!\r\n") << client;
    }
    Peer third("127.0.0.1", server.port(), "127.0.0.1");
    third.send(proxy_v1("192.0.2.7", "127.0.0.1", 3, 2));
    EXPECT_EQ(third.read_all().bytes, "Error: server busy, try again later\r\n");
    EXPECT_EQ(server.server().live_connections(), 4u);
    held.clear();
    server.stop();
    const auto busy = lines_with(captured.lines(), "end=busy");
    ASSERT_EQ(busy.size(), 1u);
    EXPECT_NE(busy[0].find(" access peer=192.0.2.7:3 via=127.0.0.1:"), std::string::npos)
        << busy[0];
    EXPECT_NE(busy[0].find("max-connections-per-ip 2 reached"), std::string::npos) << busy[0];
}

// A burst from the balancer, every connection still waiting for its header, is many clients,
// not one address over max-connections-per-ip.
TEST_F(ProxyProtocolTest, ABurstOfPendingHeadersIsNotOneAddressOverItsLimit) {
    Settings s = behind_balancer();
    s.max_connections_per_ip = 2;
    TestServer server(std::move(s));
    std::vector<std::unique_ptr<Peer>> burst;
    for (int i = 0; i < 20; ++i)
        burst.push_back(std::make_unique<Peer>("127.0.0.1", server.port(), "127.0.0.1"));
    ASSERT_TRUE(eventually([&] { return server.server().live_connections() == 20; }))
        << server.server().live_connections() << " of 20 pending connections were admitted";
    for (int i = 0; i < 20; ++i)
        burst[i]->send(proxy_v1("192.0.2." + std::to_string(i + 1), "127.0.0.1", 1, 2));
    for (int i = 0; i < 20; ++i)
        EXPECT_EQ(burst[i]->read_exactly(10), "Welcome!\r\n") << "client " << i + 1;
}

TEST_F(ProxyProtocolTest, AReloadTurnsTheFeatureOn) {
    Settings before = quick_settings();
    TestServer server(before, [](const Settings&) {
        auto next = std::make_shared<Settings>(quick_settings());
        next->proxy_protocol_from = {net::Cidr::parse("127.0.0.0/8")};
        return next;
    });
    {
        Peer client("127.0.0.1", server.port(), "127.0.0.1");
        client.send("Ann\nexit\n");
        EXPECT_EQ(client.read_all().bytes, kTranscript);
    }
    ASSERT_TRUE(server.reload_and_wait());
    Peer balancer("127.0.0.1", server.port(), "127.0.0.1");
    EXPECT_EQ(read_within(balancer, 200ms), "");
    balancer.send(proxy_v1("192.0.2.7", "127.0.0.1", 1, 2) + "Ann\nexit\n");
    EXPECT_EQ(balancer.read_all().bytes, kTranscript);
}

// Stopping does not wait out proxy-header-timeout for a header that is not coming.
TEST_F(ProxyProtocolTest, StoppingEndsAWaitForAHeader) {
    Settings s = behind_balancer();
    s.proxy_header_timeout = 60s;
    TestServer server(std::move(s));
    Peer balancer("127.0.0.1", server.port(), "127.0.0.1");
    balancer.send("PRO");
    ASSERT_TRUE(eventually([&] { return server.server().worker_threads() == 1; }));
    const auto start = Clock::now();
    server.stop();
    EXPECT_LT(Clock::now() - start, 2s);
    EXPECT_EQ(balancer.read_all().bytes, "");
}

}  // namespace
}  // namespace hellod::testing
