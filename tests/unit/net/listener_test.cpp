// open_udp_sockets: the listen addresses bound for UDP, with open_listeners' rules and errors.
#include "net/listener.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

#include "app/fatal_error.hpp"
#include "net/address.hpp"
#include "net/fd.hpp"

namespace hellod::net {
namespace {

int int_option(int fd, int level, int name) {
    int value = -1;
    socklen_t length = sizeof value;
    if (::getsockopt(fd, level, name, &value, &length) != 0) return -1;
    return value;
}

// The FatalError `specs` raise: its exit code and sentence.
std::pair<int, std::string> failure_of(const std::vector<std::string>& specs) {
    try {
        open_udp_sockets(specs);
    } catch (const std::exception& e) {
        return {exit_code_for(e), e.what()};
    }
    return {0, "no error"};
}

TEST(UdpSockets, BindsAnEphemeralDatagramSocketNonblockingCloexecReuseaddr) {
    auto set = open_udp_sockets({"127.0.0.1:0"});
    ASSERT_EQ(set.listeners.size(), 1u);
    const int fd = set.listeners[0].fd.get();
    EXPECT_EQ(int_option(fd, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
    EXPECT_EQ(int_option(fd, SOL_SOCKET, SO_REUSEADDR), 1);
    EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC);
    EXPECT_TRUE(::fcntl(fd, F_GETFL) & O_NONBLOCK);
    EXPECT_NE(bound_port(fd), 0u);
    EXPECT_EQ(set.listeners[0].name, "127.0.0.1:" + std::to_string(bound_port(fd)));
}

TEST(UdpSockets, SharesAPortNumberWithATcpListener) {
    auto tcp = open_listeners({"127.0.0.1:0"}, 16);
    const std::string spec = "127.0.0.1:" + std::to_string(bound_port(tcp.listeners[0].fd.get()));
    auto udp = open_udp_sockets({spec});
    ASSERT_EQ(udp.listeners.size(), 1u);
    EXPECT_EQ(udp.listeners[0].name, spec);
}

TEST(UdpSockets, OnlyWildcardSocketsReportDestinations) {
    auto specific = open_udp_sockets({"127.0.0.1:0"});
    EXPECT_EQ(int_option(specific.listeners[0].fd.get(), IPPROTO_IP, IP_PKTINFO), 0);
    auto ipv4 = open_udp_sockets({"0.0.0.0:0"});
    EXPECT_EQ(int_option(ipv4.listeners[0].fd.get(), IPPROTO_IP, IP_PKTINFO), 1);
    auto wildcard = open_udp_sockets({"*:0"});
    const Listener& any = wildcard.listeners.at(0);
    if (any.name.rfind("*:", 0) == 0) {
        EXPECT_EQ(int_option(any.fd.get(), IPPROTO_IPV6, IPV6_V6ONLY), 0);
        EXPECT_EQ(int_option(any.fd.get(), IPPROTO_IPV6, IPV6_RECVPKTINFO), 1);
        EXPECT_EQ(int_option(any.fd.get(), IPPROTO_IP, IP_PKTINFO), 1);
    } else {
        EXPECT_EQ(any.name.rfind("0.0.0.0:", 0), 0u) << any.name;
        EXPECT_EQ(int_option(any.fd.get(), IPPROTO_IP, IP_PKTINFO), 1);
    }
}

TEST(UdpSockets, PortHeldByAnotherUdpSocketIsUnavailable) {
    // Without SO_REUSEADDR on the holder, Linux refuses a second UDP bind of its address.
    UniqueFd holder(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(holder.get(), reinterpret_cast<sockaddr*>(&local), sizeof local), 0);
    const std::string taken = "127.0.0.1:" + std::to_string(bound_port(holder.get()));
    const auto [code, sentence] = failure_of({taken});
    EXPECT_EQ(code, exit_code::unavailable) << sentence;
    EXPECT_NE(sentence.find("cannot listen on " + taken), std::string::npos) << sentence;
    EXPECT_NE(sentence.find("already in use"), std::string::npos) << sentence;
}

TEST(UdpSockets, AddressNotOfThisMachineIsUnavailable) {
    const auto [code, sentence] = failure_of({"203.0.113.77:0"});  // TEST-NET-3
    EXPECT_EQ(code, exit_code::unavailable) << sentence;
    EXPECT_NE(sentence.find("203.0.113.77"), std::string::npos) << sentence;
    EXPECT_NE(sentence.find("not one of this machine's"), std::string::npos) << sentence;
}

TEST(UdpSockets, BadAddressesAreConfigErrorsAndUnknownHostsNoHost) {
    EXPECT_EQ(failure_of({"::1:7"}).first, exit_code::config);
    EXPECT_EQ(failure_of({"127.0.0.1:nosuchservice"}).first, exit_code::config);
    const auto [code, sentence] = failure_of({"no-such-host.invalid:7"});
    EXPECT_EQ(code, exit_code::no_host) << sentence;
    EXPECT_NE(sentence.find("no-such-host.invalid:7"), std::string::npos) << sentence;
}

// main() binds UDP on exactly what TCP got: the picked port, and dual-stack stays dual-stack.
TEST(UdpSockets, BoundSpecsNameWhatTheTcpListenersGot) {
    const auto tcp = open_listeners({"127.0.0.1:0", "*:0"}, 16);
    ASSERT_EQ(tcp.listeners.size(), 2u);
    const auto specs = bound_specs(tcp.listeners);
    ASSERT_EQ(specs.size(), 2u);
    EXPECT_EQ(specs[0], "127.0.0.1:" + std::to_string(bound_port(tcp.listeners[0].fd.get())));
    const std::string wildcard_port = std::to_string(bound_port(tcp.listeners[1].fd.get()));
    // Dual-stack [::] where the kernel has IPv6, else the 0.0.0.0 fallback.
    EXPECT_TRUE(specs[1] == "*:" + wildcard_port || specs[1] == "0.0.0.0:" + wildcard_port)
        << specs[1];
    const auto udp = open_udp_sockets(specs);
    ASSERT_EQ(udp.listeners.size(), 2u);
    EXPECT_EQ(bound_port(udp.listeners[0].fd.get()), bound_port(tcp.listeners[0].fd.get()));
    EXPECT_EQ(udp.listeners[1].name, tcp.listeners[1].name);
}

}  // namespace
}  // namespace hellod::net
