#include "net/address.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <stdexcept>

#include "app/fatal_error.hpp"
#include "net/listener.hpp"

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
    EXPECT_TRUE(name.rfind("[::]:", 0) == 0 || name.rfind("0.0.0.0:", 0) == 0) << name;
}

}  // namespace
}  // namespace hellod::net
