// net::Cidr and net::IpAddress: reading allow/deny networks and matching peers' addresses.
#include "net/cidr.hpp"

#include <gtest/gtest.h>
#include <sys/un.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "socket_address.hpp"

namespace hellod::net {
namespace {

using testing::socket_address;

IpAddress ip(const std::string& literal) {
    const auto address = socket_address(literal, 0);
    const auto ip = IpAddress::of(address.get(), address.length);
    if (!ip) throw std::invalid_argument(literal);
    return *ip;
}

bool matches(std::string_view network, const std::string& peer) {
    return Cidr::parse(network).contains(ip(peer));
}

// The parse error for `text`, or "" when it parses.
std::string error_of(std::string_view text) {
    try {
        Cidr::parse(text);
        return "";
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
}

TEST(Cidr, ReadsIpv4AndIpv6Networks) {
    const auto v4 = Cidr::parse("192.0.2.0/24");
    EXPECT_EQ(v4.family(), IpFamily::v4);
    EXPECT_EQ(v4.prefix(), 24u);
    EXPECT_EQ(v4.to_string(), "192.0.2.0/24");
    const auto v6 = Cidr::parse("2001:DB8::/32");
    EXPECT_EQ(v6.family(), IpFamily::v6);
    EXPECT_EQ(v6.prefix(), 32u);
    EXPECT_EQ(v6.to_string(), "2001:db8::/32");  // inet_ntop's canonical form
}

TEST(Cidr, ABareAddressIsOneHost) {
    EXPECT_EQ(Cidr::parse("192.0.2.7").to_string(), "192.0.2.7/32");
    EXPECT_EQ(Cidr::parse("2001:db8::7").to_string(), "2001:db8::7/128");
    EXPECT_EQ(Cidr::parse("192.0.2.7"), Cidr::parse("192.0.2.7/32"));
    EXPECT_EQ(Cidr::parse("::1"), Cidr::parse("::1/128"));
}

TEST(Cidr, AcceptsBracketsAndSurroundingBlanks) {
    EXPECT_EQ(Cidr::parse("[::1]"), Cidr::parse("::1"));
    EXPECT_EQ(Cidr::parse("[2001:db8::]/32"), Cidr::parse("2001:db8::/32"));
    EXPECT_EQ(Cidr::parse(" \t10.0.0.0/8 "), Cidr::parse("10.0.0.0/8"));
}

TEST(Cidr, PrintedFormReadsBackTheSame) {
    for (const char* text : {"0.0.0.0/0", "10.0.0.0/8", "192.0.2.7/32", "::/0", "2001:db8::/32",
                             "2001:db8:0:0:8000::/65", "::1/128", "fe80::/10"}) {
        const auto network = Cidr::parse(text);
        EXPECT_EQ(network.to_string(), text);
        EXPECT_EQ(Cidr::parse(network.to_string()), network) << text;
    }
}

TEST(Cidr, MatchesTheAddressesOfItsPrefix) {
    EXPECT_TRUE(matches("10.0.0.0/8", "10.0.0.0"));
    EXPECT_TRUE(matches("10.0.0.0/8", "10.255.255.255"));
    EXPECT_FALSE(matches("10.0.0.0/8", "11.0.0.0"));
    EXPECT_FALSE(matches("10.0.0.0/8", "9.255.255.255"));
    EXPECT_TRUE(matches("192.0.2.128/25", "192.0.2.200"));
    EXPECT_FALSE(matches("192.0.2.128/25", "192.0.2.127"));
    EXPECT_TRUE(matches("2001:db8::/32", "2001:db8:ffff::1"));
    EXPECT_FALSE(matches("2001:db8::/32", "2001:db9::1"));
}

TEST(Cidr, PrefixesAcrossTheMiddleOfAnIpv6Address) {
    // /64 and /65 straddle the two 64-bit words the address is kept in.
    EXPECT_TRUE(matches("2001:db8::/64", "2001:db8::ffff:ffff:ffff:ffff"));
    EXPECT_FALSE(matches("2001:db8::/64", "2001:db8:0:1::"));
    EXPECT_TRUE(matches("2001:db8:0:0:8000::/65", "2001:db8::8000:0:0:1"));
    EXPECT_FALSE(matches("2001:db8:0:0:8000::/65", "2001:db8::1"));
    EXPECT_TRUE(matches("2001:db8::/63", "2001:db8:0:1::1"));
    EXPECT_FALSE(matches("2001:db8::/63", "2001:db8:0:2::"));
}

TEST(Cidr, SlashZeroIsEveryAddressOfItsFamilyOnly) {
    EXPECT_TRUE(matches("0.0.0.0/0", "0.0.0.0"));
    EXPECT_TRUE(matches("0.0.0.0/0", "255.255.255.255"));
    EXPECT_FALSE(matches("0.0.0.0/0", "::1"));
    EXPECT_TRUE(matches("::/0", "::"));
    EXPECT_TRUE(matches("::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
    EXPECT_FALSE(matches("::/0", "127.0.0.1"));
}

TEST(Cidr, SlashThirtyTwoAndOneTwentyEightAreOneAddress) {
    EXPECT_TRUE(matches("192.0.2.7/32", "192.0.2.7"));
    EXPECT_FALSE(matches("192.0.2.7/32", "192.0.2.6"));
    EXPECT_FALSE(matches("192.0.2.7/32", "192.0.2.8"));
    EXPECT_TRUE(matches("2001:db8::7/128", "2001:db8::7"));
    EXPECT_FALSE(matches("2001:db8::7/128", "2001:db8::6"));
    EXPECT_FALSE(matches("2001:db8::7/128", "2001:db8::7:0"));
}

TEST(Cidr, Ipv4MappedPeersAreTheirIpv4Address) {
    // What a dual-stack [::] listener reports for an IPv4 client.
    EXPECT_EQ(ip("::ffff:192.0.2.7"), ip("192.0.2.7"));
    EXPECT_TRUE(matches("192.0.2.0/24", "::ffff:192.0.2.7"));
    EXPECT_FALSE(matches("::/0", "::ffff:192.0.2.7"));
    // Not mapped: IPv4-compatible (deprecated) and NAT64 addresses are IPv6.
    EXPECT_EQ(ip("::192.0.2.7").family, IpFamily::v6);
    EXPECT_EQ(ip("64:ff9b::192.0.2.7").family, IpFamily::v6);
}

TEST(Cidr, Ipv4MappedRulesAreIpv4Rules) {
    EXPECT_EQ(Cidr::parse("::ffff:10.0.0.0/104"), Cidr::parse("10.0.0.0/8"));
    EXPECT_EQ(Cidr::parse("::ffff:192.0.2.7"), Cidr::parse("192.0.2.7/32"));
    EXPECT_EQ(Cidr::parse("::ffff:0:0/96"), Cidr::parse("0.0.0.0/0"));
    EXPECT_TRUE(matches("::ffff:10.0.0.0/104", "10.1.2.3"));
    // Wider than the mapped range: an IPv6 network like any other.
    EXPECT_EQ(Cidr::parse("::fffe:0:0/95").family(), IpFamily::v6);
}

TEST(Cidr, OnlyIpPeersHaveAnAddress) {
    sockaddr_un local{};
    local.sun_family = AF_UNIX;
    EXPECT_FALSE(IpAddress::of(reinterpret_cast<const sockaddr*>(&local), sizeof local));
    const auto v4 = socket_address("192.0.2.7", 0);
    EXPECT_FALSE(IpAddress::of(v4.get(), v4.length - 1));  // short: not trusted
    sockaddr_storage unknown{};
    EXPECT_FALSE(IpAddress::of(reinterpret_cast<const sockaddr*>(&unknown), sizeof unknown));
}

TEST(Cidr, ContainsWholeNetworks) {
    const auto ten = Cidr::parse("10.0.0.0/8");
    EXPECT_TRUE(ten.contains(Cidr::parse("10.1.0.0/16")));
    EXPECT_TRUE(ten.contains(ten));
    EXPECT_FALSE(Cidr::parse("10.1.0.0/16").contains(ten));
    EXPECT_FALSE(ten.contains(Cidr::parse("11.0.0.0/16")));
    EXPECT_FALSE(Cidr::parse("::/0").contains(ten));
    EXPECT_TRUE(Cidr::parse("0.0.0.0/0").contains(Cidr::parse("192.0.2.7")));
}

TEST(Cidr, HostBitsPastThePrefixAreAMistake) {
    EXPECT_EQ(error_of("10.0.0.1/8"),
              "'10.0.0.1/8' has host bits set past /8; did you mean 10.0.0.0/8?");
    EXPECT_EQ(error_of("192.0.2.7/24"),
              "'192.0.2.7/24' has host bits set past /24; did you mean 192.0.2.0/24?");
    EXPECT_EQ(error_of("2001:db8::1/32"),
              "'2001:db8::1/32' has host bits set past /32; did you mean 2001:db8::/32?");
    EXPECT_EQ(error_of("::ffff:10.0.0.1/104"),
              "'::ffff:10.0.0.1/104' has host bits set past /104; did you mean "
              "::ffff:10.0.0.0/104?");
    EXPECT_EQ(error_of("1.2.3.4/0"),
              "'1.2.3.4/0' has host bits set past /0; did you mean 0.0.0.0/0?");
}

TEST(Cidr, BadPrefixLengths) {
    for (const char* text : {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0.0/ 8",
                             "10.0.0.0/0008", "10.0.0.0/8/8", "10.0.0.0/+8"}) {
        EXPECT_EQ(error_of(text), "'" + std::string(text) +
                                      "' has a prefix length that is not a whole number from 0 "
                                      "to 32");
    }
    EXPECT_EQ(error_of("::/129"),
              "'::/129' has a prefix length that is not a whole number from 0 to 128");
    EXPECT_EQ(error_of("10.0.0.0/"), "'10.0.0.0/' has no prefix length after the '/'");
}

TEST(Cidr, NotAnAddress) {
    for (const char* text : {"example.com", "localhost", "10.1", "10/8", "256.0.0.1", "010.0.0.1",
                             "0x0a.0.0.1", "1.2.3.4.5", "", " ", "/8", "[10.0.0.1]", "[::1", "::1]",
                             "fe80::1%eth0", ":::1", "1.2.3.4:80", "*"}) {
        EXPECT_EQ(error_of(text), "'" + std::string(text) +
                                      "' is not an IP address or network (like 192.0.2.7, "
                                      "192.0.2.0/24 or 2001:db8::/32; host names are not looked "
                                      "up)")
            << text;
    }
}

TEST(Cidr, ErrorsEscapeAndCutWhatWasWritten) {
    EXPECT_EQ(error_of("\x1b[31m"),
              "'\\x1b[31m' is not an IP address or network (like 192.0.2.7, 192.0.2.0/24 or "
              "2001:db8::/32; host names are not looked up)");
    const std::string huge(100'000, '1');
    const auto error = error_of(huge);
    EXPECT_LT(error.size(), 250u);
    EXPECT_NE(error.find("...'"), std::string::npos) << error;
}

}  // namespace
}  // namespace hellod::net
