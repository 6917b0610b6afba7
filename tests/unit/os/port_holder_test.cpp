#include "os/port_holder.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>

namespace hellod {
namespace {

// /proc/net/tcp as the kernel writes it on a little-endian machine: 127.0.0.1:9999 listening,
// and a connection from 127.0.0.1:9999's port elsewhere.
constexpr const char* kTable =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n"
    "   0: 0100007F:270F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
    "4242 1 0000000000000000 100 0 0 10 0\n"
    "   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
    "777 1 0000000000000000 100 0 0 10 0\n";

std::array<std::uint8_t, 4> v4(const char* text) {
    std::array<std::uint8_t, 4> out{};
    ::inet_pton(AF_INET, text, out.data());
    return out;
}

TEST(PortHolder, FindsTheSocketAtTheAddressOrAWildcard) {
    if (htonl(1) == 1) GTEST_SKIP() << "the table above is written for a little-endian machine";
    EXPECT_EQ(socket_inode_in(kTable, v4("127.0.0.1"), 9999), "4242");
    EXPECT_EQ(socket_inode_in(kTable, v4("0.0.0.0"), 9999), "4242");  // a wildcard wants all
    EXPECT_EQ(socket_inode_in(kTable, v4("127.0.0.2"), 9999), std::nullopt);
    EXPECT_EQ(socket_inode_in(kTable, v4("192.0.2.1"), 8080), "777");  // held by 0.0.0.0:8080
    EXPECT_EQ(socket_inode_in(kTable, v4("127.0.0.1"), 9998), std::nullopt);
    EXPECT_EQ(socket_inode_in("", v4("127.0.0.1"), 9999), std::nullopt);
}

// This very process, holding a listening socket, is found by its pid.
TEST(PortHolder, NamesTheProcessHoldingAPort) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), length), 0);
    ASSERT_EQ(::listen(fd, 1), 0);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
    const auto holder = port_holder(true, v4("127.0.0.1"), ntohs(address.sin_port));
    ::close(fd);
    ASSERT_TRUE(holder);
    EXPECT_EQ(holder->rfind("process " + std::to_string(::getpid()) + " (", 0), 0u) << *holder;
    EXPECT_EQ(port_holder(false, v4("127.0.0.1"), ntohs(address.sin_port)), std::nullopt);
}

}  // namespace
}  // namespace hellod
