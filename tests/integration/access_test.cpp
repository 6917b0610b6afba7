// allow and deny through the real Server over real loopback sockets: a refused peer reads not
// a byte, no worker starts for it, it is logged once a minute, and a reload changes the rules.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "captured_stderr.hpp"
#include "log/log.hpp"
#include "net/fd.hpp"
#include "net/listener.hpp"
#include "os/service_manager.hpp"
#include "peer.hpp"
#include "test_client.hpp"
#include "test_log.hpp"
#include "test_server.hpp"

namespace hellod::testing {
namespace {

using namespace std::chrono_literals;

// The status the server reports, as systemd would hear it, every few milliseconds; tests wait
// on it for the server to have counted what they did.
class StatusRecorder final : public ServiceManager {
  public:
    std::optional<std::chrono::milliseconds> heartbeat_interval() const override { return 2ms; }
    void ready(const ServerStatus& status) override { record(status); }
    void heartbeat(const ServerStatus& status) override { record(status); }
    void reloaded(const ServerStatus& status) override { record(status); }

    // Waits (at most 5 s) for a status that satisfies `want`, and returns the last one seen.
    ServerStatus wait_for(const std::function<bool(const ServerStatus&)>& want) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, 5s, [&] { return want(last_); });
        return last_;
    }

  private:
    void record(const ServerStatus& status) {
        {
            const std::lock_guard lock(mutex_);
            last_ = status;
        }
        changed_.notify_all();
    }

    std::mutex mutex_;
    std::condition_variable changed_;
    ServerStatus last_;
};

// A refused peer: not a byte, and a reset rather than an orderly close (see Server).
void expect_refused(Peer& peer) {
    const auto outcome = peer.read_all();
    EXPECT_EQ(outcome.bytes, "");
    EXPECT_EQ(outcome.end, "reset");
}

void expect_served(Peer& peer) {
    peer.send("Ann\nexit\n");
    const auto outcome = peer.read_all();
    EXPECT_EQ(outcome.bytes, "Welcome!\r\nHello, Ann!\r\nBye!\r\n");
    EXPECT_EQ(outcome.end, "eof");
}

Settings with_rules(std::vector<const char*> allow, std::vector<const char*> deny) {
    Settings s = quick_settings();
    s.idle_timeout = 3s;  // were a refused peer served after all, its session ends soon
    for (const char* text : allow)
        s.access.allow(net::Cidr::parse(text));
    for (const char* text : deny)
        s.access.deny(net::Cidr::parse(text));
    return s;
}

bool ipv6_loopback_works() {
    try {
        net::open_listeners({"[::1]:0"}, 1);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

// The log lines that record refusals.
std::vector<std::string> refusal_lines(const std::vector<std::string>& lines) {
    std::vector<std::string> out;
    std::ranges::copy_if(lines, std::back_inserter(out), [](const std::string& line) {
        return line.find(" refused ") != std::string::npos;
    });
    return out;
}

class AccessTest : public ::testing::Test {
  protected:
    void SetUp() override { log_to_terminal(LogLevel::warning); }
};

TEST_F(AccessTest, ADeniedPeerReadsNothingAndNoWorkerStarts) {
    StatusRecorder status;
    TestServer server(with_rules({}, {"127.0.0.1"}), {}, &status);
    Peer denied("127.0.0.1", server.port(), "127.0.0.1");
    expect_refused(denied);
    const auto counted = status.wait_for([](const ServerStatus& s) { return s.refused == 1; });
    EXPECT_EQ(counted.refused, 1u);
    EXPECT_EQ(counted.accepted, 0u) << "a session was started for a refused peer";
    EXPECT_EQ(counted.turned_away, 0u);
    EXPECT_EQ(server.server().worker_threads(), 0u);
    EXPECT_EQ(server.server().live_connections(), 0u);

    Peer other("127.0.0.1", server.port(), "127.0.0.2");
    expect_served(other);
    EXPECT_EQ(status.wait_for([](const ServerStatus& s) { return s.accepted == 1; }).refused, 1u);
}

TEST_F(AccessTest, AnAllowListAdmitsOnlyItsAddresses) {
    StatusRecorder status;
    TestServer server(with_rules({"127.0.0.2"}, {}), {}, &status);
    Peer allowed("127.0.0.1", server.port(), "127.0.0.2");
    expect_served(allowed);
    Peer other("127.0.0.1", server.port(), "127.0.0.1");
    expect_refused(other);
    const auto counted = status.wait_for([](const ServerStatus& s) { return s.refused == 1; });
    EXPECT_EQ(counted.accepted, 1u);
    EXPECT_EQ(counted.refused, 1u);
}

TEST_F(AccessTest, DenyWinsOverAnAllowRule) {
    TestServer server(with_rules({"127.0.0.0/8"}, {"127.0.0.3"}));
    Peer denied("127.0.0.1", server.port(), "127.0.0.3");
    expect_refused(denied);
    Peer allowed("127.0.0.1", server.port(), "127.0.0.4");
    expect_served(allowed);
}

TEST_F(AccessTest, Ipv6PeersAreMatchedByIpv6Rules) {
    if (!ipv6_loopback_works()) GTEST_SKIP() << "no IPv6 loopback here";
    Settings deny = with_rules({}, {"::1"});
    deny.listen = {"[::1]:0"};
    TestServer denying(deny);
    Peer denied("::1", denying.port());
    expect_refused(denied);

    Settings allow = with_rules({"::1/128"}, {});
    allow.listen = {"[::1]:0"};
    TestServer allowing(allow);
    Peer allowed("::1", allowing.port());
    expect_served(allowed);
}

// A wildcard listener is one dual-stack IPv6 socket where there is IPv6: its IPv4 clients
// arrive as ::ffff:127.0.0.x and are matched by the IPv4 rules.
TEST_F(AccessTest, Ipv4ClientsOfADualStackListenerAreMatchedAsIpv4) {
    Settings s = with_rules({"127.0.0.0/8"}, {"127.0.0.1"});
    s.listen = {"*:0"};
    TestServer server(s);
    Peer denied("127.0.0.1", server.port(), "127.0.0.1");
    expect_refused(denied);
    Peer allowed("127.0.0.1", server.port(), "127.0.0.2");
    expect_served(allowed);
}

TEST_F(AccessTest, FiveRefusalsOfOnePeerAreOneLogLine) {
    log_to_terminal(LogLevel::info);
    StatusRecorder status;
    TestServer server(with_rules({"127.0.0.2"}, {"127.0.0.1"}), {}, &status);
    CapturedStderr captured;
    for (int i = 0; i < 5; ++i) {
        Peer denied("127.0.0.1", server.port(), "127.0.0.1");
        expect_refused(denied);
    }
    Peer unlisted("127.0.0.1", server.port(), "127.0.0.3");
    expect_refused(unlisted);
    status.wait_for([](const ServerStatus& s) { return s.refused == 6; });
    server.stop();  // every line is written before run() returns
    const auto lines = refusal_lines(captured.lines());
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_TRUE(lines[0].ends_with(" info  refused 127.0.0.1 (deny 127.0.0.1/32)")) << lines[0];
    EXPECT_TRUE(lines[1].ends_with(" info  refused 127.0.0.3 (no allow rule matches)")) << lines[1];
}

TEST_F(AccessTest, AReloadChangesTheRulesForTheNextPeers) {
    std::promise<void> taken;
    const Settings next = with_rules({}, {"127.0.0.2"});
    TestServer server(with_rules({}, {"127.0.0.1"}), [&](const Settings&) {
        auto settings = std::make_shared<const Settings>(next);
        taken.set_value();
        return settings;
    });
    Peer before("127.0.0.1", server.port(), "127.0.0.1");
    expect_refused(before);
    ASSERT_TRUE(server.reload_and_wait());
    ASSERT_EQ(taken.get_future().wait_for(0s), std::future_status::ready);
    Peer now_admitted("127.0.0.1", server.port(), "127.0.0.1");
    expect_served(now_admitted);
    Peer now_denied("127.0.0.1", server.port(), "127.0.0.2");
    expect_refused(now_denied);
}

// --inetd: the one connection is checked before its session, like an accepted one.
TEST_F(AccessTest, TheInetdConnectionIsCheckedToo) {
    auto listeners = net::open_listeners({"127.0.0.1:0"}, 4).listeners;
    const unsigned port = net::bound_port(listeners.at(0).fd.get());
    const auto accept_one = [&] {
        return net::UniqueFd(::accept4(listeners[0].fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
    };

    Peer denied("127.0.0.1", port, "127.0.0.1");
    Server refusing(std::make_shared<const Settings>(with_rules({}, {"127.0.0.1"})), {});
    refusing.serve_one(accept_one());  // returns at once: no session to wait for
    expect_refused(denied);

    Peer admitted("127.0.0.1", port, "127.0.0.2");
    Server serving(std::make_shared<const Settings>(with_rules({}, {"127.0.0.1"})), {});
    std::thread session([&] { serving.serve_one(accept_one()); });
    expect_served(admitted);
    session.join();
}

// The reply a peer without an IP address (AF_UNIX, as a socket unit or socat may pass) gets
// under `settings`: it matches no rule.
std::string unix_peer_reply(const Settings& settings) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return "socketpair failed";
    net::UniqueFd client(pair[0]);
    net::UniqueFd served(pair[1]);
    const timeval timeout{5, 0};
    ::setsockopt(client.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    Server server(std::make_shared<const Settings>(settings), {});
    std::thread session([&] { server.serve_one(std::move(served)); });
    const std::string request = "Ann\nexit\n";
    (void)::send(client.get(), request.data(), request.size(), MSG_NOSIGNAL);
    std::string reply;
    char buffer[256];
    for (ssize_t n; (n = ::recv(client.get(), buffer, sizeof buffer, 0)) > 0;)
        reply.append(buffer, static_cast<std::size_t>(n));
    session.join();
    return reply;
}

TEST_F(AccessTest, PeersWithoutAnIpAddressMatchNoRule) {
    EXPECT_EQ(unix_peer_reply(with_rules({}, {"0.0.0.0/0", "::/0"})),
              "Welcome!\r\nHello, Ann!\r\nBye!\r\n");
    EXPECT_EQ(unix_peer_reply(with_rules({"192.0.2.0/24"}, {})), "");
    EXPECT_EQ(unix_peer_reply(with_rules({}, {})), "Welcome!\r\nHello, Ann!\r\nBye!\r\n");
}

}  // namespace
}  // namespace hellod::testing
