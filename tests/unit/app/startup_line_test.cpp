// The start-up line: what an operator reads to learn what the daemon listens on and with which
// limits.
#include "app/startup_line.hpp"

#include <gtest/gtest.h>

#include <string>

#include "net/listener.hpp"

namespace hellod {
namespace {

std::string port_of(const net::Listener& listener) {
    return std::to_string(net::bound_port(listener.fd.get()));
}

// A wildcard says which families it takes; an explicit address needs no such note.
TEST(StartupLine, NamesEachListenerAndTheFamiliesOfWildcards) {
    auto set = net::open_listeners({"127.0.0.1:0", "0.0.0.0:0"}, 16);
    const std::string line = startup_line(Settings{}, set.listeners, nullptr);
    const std::string expected =
        "hellod " HELLOD_VERSION " listening on 127.0.0.1:" + port_of(set.listeners[0]) +
        ", 0.0.0.0:" + port_of(set.listeners[1]) + " (IPv4 only) (protocol greeting, ";
    EXPECT_EQ(line.substr(0, expected.size()), expected) << line;
}

TEST(StartupLine, StatesTheLimitPerAddress) {
    auto set = net::open_listeners({"127.0.0.1:0"}, 16);
    EXPECT_NE(startup_line(Settings{}, set.listeners, nullptr)
                  .find(", max-connections 10000, max-connections-per-ip 64, "),
              std::string::npos);
    Settings unlimited;
    unlimited.max_connections_per_ip = 0;
    EXPECT_NE(startup_line(unlimited, set.listeners, nullptr)
                  .find(", max-connections-per-ip unlimited, "),
              std::string::npos);
}

TEST(StartupLine, DualStackAndIpv6OnlyWildcardsAreToldApart) {
    net::ListenerSet set;
    try {
        set = net::open_listeners({"*:0", "[::]:0"}, 16);
    } catch (const std::exception& e) {
        GTEST_SKIP() << "no IPv6 here: " << e.what();
    }
    if (set.listeners.at(0).name.starts_with("0.0.0.0:")) GTEST_SKIP() << "no IPv6 here";
    const std::string line = startup_line(Settings{}, set.listeners, nullptr);
    EXPECT_NE(line.find("listening on *:" + port_of(set.listeners[0]) + " (IPv4 and IPv6), [::]:" +
                        port_of(set.listeners[1]) + " (IPv6 only) (protocol"),
              std::string::npos)
        << line;
}

TEST(StartupLine, NamesTheTrustedBalancers) {
    auto set = net::open_listeners({"127.0.0.1:0"}, 16);
    Settings s;
    EXPECT_EQ(startup_line(s, set.listeners, nullptr).find("proxy"), std::string::npos);
    s.proxy_protocol_from = {net::Cidr::parse("10.0.0.0/24"), net::Cidr::parse("fd00::1")};
    const std::string line = startup_line(s, set.listeners, nullptr);
    EXPECT_NE(line.find(", proxy-protocol-from 10.0.0.0/24 fd00::1/128, proxy-header-timeout 5 s,"),
              std::string::npos)
        << line;
}

TEST(StartupLine, NamesTheMetricsEndpoint) {
    auto set = net::open_listeners({"127.0.0.1:0"}, 16);
    EXPECT_EQ(startup_line(Settings{}, set.listeners, nullptr).find("metrics"), std::string::npos);
    const std::string line =
        startup_line(Settings{}, set.listeners, nullptr, {"127.0.0.1:9100", "[::1]:9100"});
    EXPECT_NE(line.find("listening on 127.0.0.1:" + port_of(set.listeners[0]) +
                        " (protocol greeting, metrics on 127.0.0.1:9100, [::1]:9100, backlog"),
              std::string::npos)
        << line;
}

}  // namespace
}  // namespace hellod
