#include "net/address.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <stdexcept>
#include <string>

#include "app/fatal_error.hpp"
#include "net/fd.hpp"
#include "net/listener.hpp"
#include "socket_address.hpp"

namespace hellod::net {
namespace {

TEST(Endpoint, ParsesTheForms) {
    EXPECT_EQ(parse_endpoint("127.0.0.1:9999").host, "127.0.0.1");
    EXPECT_EQ(parse_endpoint("127.0.0.1:9999").service, "9999");
    EXPECT_EQ(parse_endpoint("[::1]:80").host, "::1");
    EXPECT_EQ(parse_endpoint("[::1]:80").service, "80");
    EXPECT_EQ(parse_endpoint("localhost:http").service, "http");
    EXPECT_EQ(parse_endpoint("*:9999").host, "");
    EXPECT_EQ(parse_endpoint(":9999").host, "");
    EXPECT_EQ(parse_endpoint("9999").host, "");
    EXPECT_EQ(parse_endpoint("9999").service, "9999");
}

TEST(Endpoint, RejectsMalformedAddressesWithAReason) {
    for (const char* bad :
         {"", "localhost", "::1", "::1:80", "[::1]", "[::1]80", "[::1:80", "host:"})
        EXPECT_THROW(parse_endpoint(bad), std::invalid_argument) << bad;
}

// getaddrinfo would take 86576 as 21040; the range is checked first, without overflow.
TEST(Endpoint, PortsBeyond65535AreRefused) {
    EXPECT_EQ(parse_endpoint("127.0.0.1:65535").service, "65535");
    EXPECT_EQ(parse_endpoint("127.0.0.1:0").service, "0");
    EXPECT_EQ(parse_endpoint("[::1]:000080").service, "000080");
    for (const char* bad :
         {"127.0.0.1:86576", "65536", "*:65536", "[::1]:99999999999999999999", ":0000100000"}) {
        try {
            parse_endpoint(bad);
            ADD_FAILURE() << bad << ": no error";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("but ports go from 0 to 65535"), std::string::npos)
                << e.what();
        }
    }
}

TEST(Resolve, ServiceNamesAndUnknownServices) {
    const auto http = resolve(parse_endpoint("127.0.0.1:http"), "127.0.0.1:http");
    ASSERT_FALSE(http.empty());
    EXPECT_EQ(ntohs(reinterpret_cast<const sockaddr_in*>(http[0].get())->sin_port), 80);
    try {
        resolve(parse_endpoint("127.0.0.1:nosuchservice"), "127.0.0.1:nosuchservice");
        FAIL() << "no error";
    } catch (const std::exception& e) {
        EXPECT_EQ(exit_code_for(e), exit_code::config);
        EXPECT_NE(std::string(e.what()).find("nosuchservice"), std::string::npos);
    }
}

TEST(Format, Ipv4Ipv6AndMappedAddresses) {
    sockaddr_in6 mapped{};
    mapped.sin6_family = AF_INET6;
    mapped.sin6_port = htons(5);
    mapped.sin6_addr.s6_addr[10] = 0xff;
    mapped.sin6_addr.s6_addr[11] = 0xff;
    mapped.sin6_addr.s6_addr[12] = 192;
    mapped.sin6_addr.s6_addr[15] = 1;
    const auto* a = reinterpret_cast<const sockaddr*>(&mapped);
    EXPECT_EQ(to_string(a, sizeof mapped), "192.0.0.1:5");
    EXPECT_EQ(address_key(a, sizeof mapped).size(), 4u);
    sockaddr_in6 loop{};
    loop.sin6_family = AF_INET6;
    loop.sin6_port = htons(7);
    loop.sin6_addr = in6addr_loopback;
    EXPECT_EQ(to_string(reinterpret_cast<const sockaddr*>(&loop), sizeof loop), "[::1]:7");
}

TEST(Listeners, BindsAnEphemeralPortWithCloexecAndReuseaddr) {
    auto set = open_listeners({"127.0.0.1:0"}, 16);
    ASSERT_EQ(set.listeners.size(), 1u);
    const int fd = set.listeners[0].fd.get();
    EXPECT_NE(bound_port(fd), 0u);
    EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC);
    int reuse = 0;
    socklen_t length = sizeof reuse;
    ::getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, &length);
    EXPECT_EQ(reuse, 1);
    EXPECT_EQ(set.listeners[0].name, "127.0.0.1:" + std::to_string(bound_port(fd)));
}

TEST(Listeners, PortInUseIsAClearUnavailableError) {
    auto first = open_listeners({"127.0.0.1:0"}, 16);
    const std::string taken =
        "127.0.0.1:" + std::to_string(bound_port(first.listeners[0].fd.get()));
    try {
        open_listeners({taken}, 16);
        FAIL() << "second bind succeeded";
    } catch (const std::exception& e) {
        EXPECT_EQ(exit_code_for(e), exit_code::unavailable);
        EXPECT_NE(std::string(e.what()).find("already in use"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(taken), std::string::npos) << e.what();
    }
}

TEST(Listeners, WildcardIsDualStackOrFallsBackToIpv4) {
    auto set = open_listeners({"*:0"}, 16);
    ASSERT_EQ(set.listeners.size(), 1u);
    const auto& name = set.listeners[0].name;
    EXPECT_TRUE(name.rfind("*:", 0) == 0 || name.rfind("0.0.0.0:", 0) == 0) << name;
}

bool connects(const char* host, unsigned port) {
    const auto to = testing::socket_address(host, port);
    const UniqueFd fd(::socket(to.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
    return fd && ::connect(fd.get(), to.get(), to.length) == 0;
}

bool has_ipv6() {
    return !open_listeners({"[::1]:0"}, 1).listeners.empty();
}

// *:N takes both families, 0.0.0.0:N IPv4 only and [::]:N IPv6 only; each is shown under the
// name that means it again, and the start-up line can say which families it takes.
TEST(Listeners, EachWildcardSpellingHasOneMeaningAndSaysIt) {
    bool ipv6 = false;
    try {
        ipv6 = has_ipv6();
    } catch (const std::exception&) {
    }
    const auto v4 = open_listeners({"0.0.0.0:0"}, 16);
    const int v4_fd = v4.listeners.at(0).fd.get();
    EXPECT_EQ(v4.listeners[0].name, "0.0.0.0:" + std::to_string(bound_port(v4_fd)));
    EXPECT_EQ(wildcard_families(v4_fd), "IPv4 only");
    EXPECT_TRUE(connects("127.0.0.1", bound_port(v4_fd)));

    const auto specific = open_listeners({"127.0.0.1:0"}, 16);
    EXPECT_EQ(wildcard_families(specific.listeners.at(0).fd.get()), "");
    if (!ipv6) GTEST_SKIP() << "no IPv6 on this machine";

    const auto both = open_listeners({"*:0"}, 16);
    const int both_fd = both.listeners.at(0).fd.get();
    const unsigned both_port = bound_port(both_fd);
    EXPECT_EQ(both.listeners[0].name, "*:" + std::to_string(both_port));
    EXPECT_EQ(wildcard_families(both_fd), "IPv4 and IPv6");
    EXPECT_TRUE(connects("127.0.0.1", both_port));
    EXPECT_TRUE(connects("::1", both_port));

    const auto v6 = open_listeners({"[::]:0"}, 16);
    const int v6_fd = v6.listeners.at(0).fd.get();
    const unsigned v6_port = bound_port(v6_fd);
    EXPECT_EQ(v6.listeners[0].name, "[::]:" + std::to_string(v6_port));
    EXPECT_EQ(wildcard_families(v6_fd), "IPv6 only");
    EXPECT_TRUE(connects("::1", v6_port));
    EXPECT_FALSE(connects("127.0.0.1", v6_port));
}

}  // namespace
}  // namespace hellod::net
