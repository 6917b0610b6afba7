#include "net/listen_overlap.hpp"

#include <gtest/gtest.h>

#include <string>

#include "net/error.hpp"

namespace hellod::net {
namespace {

// The sentence check_no_overlap throws, or "none".
std::string overlap(const std::vector<NamedListen>& addresses) {
    try {
        check_no_overlap(addresses);
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), Error::Kind::bad_address);
        return e.what();
    }
    return "none";
}

TEST(ListenOverlap, TheSameSocketTwiceAfterResolving) {
    EXPECT_EQ(overlap({{"listen", "127.0.0.1:9999"}, {"listen", "127.0.0.2:9999"}}), "none");
    EXPECT_EQ(overlap({{"listen", "127.0.0.1:9999"}, {"listen", "127.0.0.1:9998"}}), "none");
    EXPECT_EQ(overlap({{"listen", "127.0.0.1:9999"}, {"metrics-listen", "localhost:9999"}}),
              "listen 127.0.0.1:9999 and metrics-listen localhost:9999 both take port 9999 on "
              "127.0.0.1: one socket cannot be bound twice; give each its own address or port");
}

TEST(ListenOverlap, AWildcardTakesEveryAddressOfItsFamilies) {
    EXPECT_EQ(overlap({{"listen", "*:9999"}, {"listen", "[::1]:9999"}}),
              "listen *:9999 and listen [::1]:9999 both take port 9999 on [::1]: one socket "
              "cannot be bound twice; give each its own address or port");
    EXPECT_NE(overlap({{"listen", "0.0.0.0:9999"}, {"listen", "127.0.0.1:9999"}}), "none");
    // [::]:N is IPv6 only, 0.0.0.0:N IPv4 only: together they are what *:N is.
    EXPECT_EQ(overlap({{"listen", "0.0.0.0:9999"}, {"listen", "[::]:9999"}}), "none");
    EXPECT_NE(overlap({{"listen", "[::]:9999"}, {"listen", "[::1]:9999"}}), "none");
}

TEST(ListenOverlap, PortZeroIsANewPortEachTime) {
    EXPECT_EQ(overlap({{"listen", "127.0.0.1:0"}, {"listen", "127.0.0.1:0"}, {"listen", "*:0"}}),
              "none");
}

}  // namespace
}  // namespace hellod::net
