// net::parse_proxy_header: the PROXY protocol header, v1 and v2 (haproxy's doc/proxy-protocol.txt).
#include "net/proxy_header.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "proxy_headers.hpp"

namespace hellod::net {
namespace {

using Status = ProxyHeader::Status;
using namespace std::string_literals;

ProxyHeader parse(std::string_view bytes) {
    return parse_proxy_header(std::span<const char>(bytes.data(), bytes.size()));
}

// "192.0.2.7:51234", "[2001:db8::7]:443" (IPv4-mapped addresses stay IPv6 here, unlike
// net::to_string), with a complaint if the sockaddr's length is not its family's.
std::string describe(const SocketAddress& address) {
    char text[INET6_ADDRSTRLEN] = {};
    if (address.family() == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, &address.storage, sizeof in);
        if (address.length != sizeof in)
            return "AF_INET with length " + std::to_string(address.length);
        ::inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
        return std::string(text) + ":" + std::to_string(ntohs(in.sin_port));
    }
    if (address.family() == AF_INET6) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, &address.storage, sizeof in6);
        if (address.length != sizeof in6)
            return "AF_INET6 with length " + std::to_string(address.length);
        ::inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
        return "[" + std::string(text) + "]:" + std::to_string(ntohs(in6.sin6_port));
    }
    return "family " + std::to_string(address.family()) + " length " +
           std::to_string(address.length);
}

const std::string kV2Signature(hellod::testing::proxy_v2_signature);

// A v2 header: signature, ver_cmd, family, the body's length (or `declared`), then the body.
std::string v2(unsigned ver_cmd, unsigned family, std::string_view body, long declared = -1) {
    const auto length =
        static_cast<unsigned>(declared < 0 ? static_cast<long>(body.size()) : declared);
    std::string header = kV2Signature;
    header += static_cast<char>(ver_cmd);
    header += static_cast<char>(family);
    header += static_cast<char>((length >> 8) & 0xff);
    header += static_cast<char>(length & 0xff);
    header += body;
    return header;
}

// The shared builders (tests/support/proxy_headers.hpp) under this file's short names.
std::string addresses(const std::string& source, const std::string& destination,
                      unsigned source_port, unsigned destination_port) {
    return hellod::testing::proxy_v2_addresses(source, destination, source_port, destination_port);
}

std::string tlv(unsigned type, std::string_view value) {
    return hellod::testing::proxy_v2_tlv(type, value);
}

constexpr unsigned kLocal = 0x20;
constexpr unsigned kProxy = 0x21;

const std::string kTcp4 = "PROXY TCP4 192.0.2.7 198.51.100.1 51234 9999\r\n";
const std::string kTcp6 = "PROXY TCP6 2001:db8::7 2001:db8::1 51234 443\r\n";

// Valid headers of every kind, for the checks that hold for all of them.
std::vector<std::string> valid_headers() {
    return {
        kTcp4,
        kTcp6,
        "PROXY UNKNOWN\r\n",
        "PROXY UNKNOWN 2001:db8::7 2001:db8::1 51234 443\r\n",
        v2(kLocal, 0x00, ""),
        v2(kLocal, 0x11, addresses("192.0.2.7", "198.51.100.1", 51234, 9999)),
        v2(kProxy, 0x11, addresses("192.0.2.7", "198.51.100.1", 51234, 9999)),
        v2(kProxy, 0x22, addresses("2001:db8::7", "2001:db8::1", 51234, 443)),
        v2(kProxy, 0x31, std::string(216, 'u')),
        v2(kProxy, 0x00, ""),
        v2(kProxy, 0x11,
           addresses("192.0.2.7", "198.51.100.1", 1, 2) + tlv(0x01, "h2") + tlv(0x04, "")),
    };
}

void expect_proxied(const ProxyHeader& header, int version, std::size_t length,
                    const std::string& source, const std::string& destination) {
    EXPECT_EQ(header.status, Status::proxied) << header.error;
    EXPECT_FALSE(header.local_command);
    EXPECT_EQ(header.version, version);
    EXPECT_EQ(header.length, length);
    EXPECT_EQ(describe(header.source), source);
    EXPECT_EQ(describe(header.destination), destination);
    EXPECT_TRUE(header.error.empty());
}

// `local_command`: a v2 LOCAL, not a v1 UNKNOWN or a v2 PROXY of UNSPEC or UNIX.
void expect_local(const ProxyHeader& header, int version, std::size_t length,
                  bool local_command = false) {
    EXPECT_EQ(header.status, Status::local) << header.error;
    EXPECT_EQ(header.version, version);
    EXPECT_EQ(header.length, length);
    EXPECT_EQ(header.local_command, local_command);
    EXPECT_EQ(header.source.length, 0u);
    EXPECT_EQ(header.destination.length, 0u);
}

void expect_invalid(const ProxyHeader& header, int version, std::string_view error) {
    EXPECT_EQ(header.status, Status::invalid);
    EXPECT_EQ(header.version, version);
    EXPECT_EQ(header.error, error);
}

void expect_incomplete(const ProxyHeader& header, int version, std::size_t needed) {
    EXPECT_EQ(header.status, Status::incomplete) << header.error;
    EXPECT_EQ(header.version, version);
    EXPECT_EQ(header.needed, needed);
}

std::string v1_error(const std::string& line) {
    const ProxyHeader header = parse(line);
    EXPECT_EQ(header.status, Status::invalid) << line;
    return std::string(header.error);
}

// --- v1 ------------------------------------------------------------------------------------

TEST(ProxyHeaderV1, ReadsTcp4) {
    const ProxyHeader header = parse(kTcp4);
    expect_proxied(header, 1, kTcp4.size(), "192.0.2.7:51234", "198.51.100.1:9999");
    EXPECT_EQ(header.source.family(), AF_INET);
    EXPECT_EQ(header.source.length, sizeof(sockaddr_in));
    // The port is stored as the socket API has it, in network order.
    sockaddr_in in{};
    std::memcpy(&in, &header.source.storage, sizeof in);
    EXPECT_EQ(in.sin_port, htons(51234));
}

TEST(ProxyHeaderV1, ReadsTcp6) {
    const ProxyHeader header = parse(kTcp6);
    expect_proxied(header, 1, kTcp6.size(), "[2001:db8::7]:51234", "[2001:db8::1]:443");
    EXPECT_EQ(header.source.family(), AF_INET6);
    EXPECT_EQ(header.destination.length, sizeof(sockaddr_in6));
}

TEST(ProxyHeaderV1, ReadsEveryIpv6TextForm) {
    for (const std::string& address : {"2001:DB8::7"s, "2001:0db8:0000:0000:0000:0000:0000:0007"s,
                                       "::7"s, "2001:db8::"s, "::"s, "2001:db8:0:0:1:0:0:7"s}) {
        const std::string line = "PROXY TCP6 " + address + " ::1 1 2\r\n";
        const ProxyHeader header = parse(line);
        EXPECT_EQ(header.status, Status::proxied) << line << header.error;
    }
    expect_proxied(parse("PROXY TCP6 2001:DB8::7 ::1 1 2\r\n"), 1, 32, "[2001:db8::7]:1",
                   "[::1]:2");
}

// What haproxy's make_proxy_line_v1 writes: the spec's largest lines, the short UNKNOWN, and
// TCP6 with an IPv4-mapped address when one side is IPv4 and the other IPv6.
TEST(ProxyHeaderV1, ReadsWhatHaproxyWrites) {
    const std::string v4_max = "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n";
    ASSERT_EQ(v4_max.size(), 56u);
    expect_proxied(parse(v4_max), 1, 56, "255.255.255.255:65535", "255.255.255.255:65535");

    const std::string all_f = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    const std::string v6_max = "PROXY TCP6 " + all_f + " " + all_f + " 65535 65535\r\n";
    ASSERT_EQ(v6_max.size(), 104u);
    expect_proxied(parse(v6_max), 1, 104, "[" + all_f + "]:65535", "[" + all_f + "]:65535");

    expect_local(parse("PROXY UNKNOWN\r\n"), 1, 15);

    const std::string worst = "PROXY UNKNOWN " + all_f + " " + all_f + " 65535 65535\r\n";
    ASSERT_EQ(worst.size(), proxy_v1_max);
    expect_local(parse(worst), 1, proxy_v1_max);

    expect_proxied(parse("PROXY TCP6 ::ffff:192.0.2.7 2001:db8::1 51234 443\r\n"), 1, 51,
                   "[::ffff:192.0.2.7]:51234", "[2001:db8::1]:443");

    const std::string request = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
    expect_proxied(parse(request + "GET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n"), 1,
                   request.size(), "192.168.0.1:56324", "192.168.0.11:443");
}

TEST(ProxyHeaderV1, UnknownIgnoresTheRestOfTheLine) {
    for (const std::string& line :
         {"PROXY UNKNOWN\r\n"s, "PROXY UNKNOWN \r\n"s, "PROXY UNKNOWN 192.0.2.7 ::1 x y z\r\n"s,
          "PROXY UNKNOWN  two  spaces\r\n"s, "PROXY UNKNOWN \x01\xff\0 bytes\r\n"s})
        expect_local(parse(line), 1, line.size());
    // The keyword is UNKNOWN, not a word that starts with it.
    EXPECT_EQ(v1_error("PROXY UNKNOWNX\r\n"), "v1 header's protocol is not TCP4, TCP6 or UNKNOWN");
    // Even in UNKNOWN's free text, only a CRLF ends the line.
    EXPECT_EQ(v1_error("PROXY UNKNOWN a\nb\r\n"), "v1 header has an LF without a CR before it");
    EXPECT_EQ(v1_error("PROXY UNKNOWN a\rb\r\n"), "v1 header has a CR without an LF after it");
}

TEST(ProxyHeaderV1, BytesAfterTheLineAreNotTheHeaders) {
    expect_proxied(parse(kTcp4 + "PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\n"), 1, kTcp4.size(),
                   "192.0.2.7:51234", "198.51.100.1:9999");
    expect_local(parse("PROXY UNKNOWN\r\n\n\r garbage"), 1, 15);
}

TEST(ProxyHeaderV1, PortsRangeFrom0To65535) {
    expect_proxied(parse("PROXY TCP4 192.0.2.7 198.51.100.1 0 65535\r\n"), 1, 43, "192.0.2.7:0",
                   "198.51.100.1:65535");
    expect_proxied(parse("PROXY TCP4 192.0.2.7 198.51.100.1 65535 0\r\n"), 1, 43, "192.0.2.7:65535",
                   "198.51.100.1:0");
    const std::string source_error = "v1 source port is not a number from 0 to 65535";
    const std::string destination_error = "v1 destination port is not a number from 0 to 65535";
    for (const std::string& port : {"65536"s, "99999"s, "100000"s, "4294967297"s, "-1"s, "+1"s,
                                    "1a"s, "0x1f"s, "1.0"s, "\xef\xbc\x91"s /* a fullwidth 1 */}) {
        EXPECT_EQ(v1_error("PROXY TCP4 192.0.2.7 198.51.100.1 " + port + " 80\r\n"), source_error)
            << port;
        EXPECT_EQ(v1_error("PROXY TCP4 192.0.2.7 198.51.100.1 80 " + port + "\r\n"),
                  destination_error)
            << port;
    }
}

// "Heading zeroes are not permitted in front of numbers in order to avoid any possible
// confusion with octal numbers."
TEST(ProxyHeaderV1, PortsWithLeadingZerosAreRefused) {
    for (const std::string& port : {"00"s, "080"s, "01234"s, "065535"s, "0000000001"s}) {
        EXPECT_EQ(v1_error("PROXY TCP6 ::1 ::2 " + port + " 80\r\n"),
                  "v1 source port has a leading zero")
            << port;
        EXPECT_EQ(v1_error("PROXY TCP6 ::1 ::2 80 " + port + "\r\n"),
                  "v1 destination port has a leading zero")
            << port;
    }
}

TEST(ProxyHeaderV1, AddressesMustBeOfTheAnnouncedFamily) {
    const std::string bad_source4 = "v1 source address is not an IPv4 address";
    const std::string bad_destination4 = "v1 destination address is not an IPv4 address";
    for (const std::string& address :
         {"::1"s, "::ffff:192.0.2.7"s, "256.0.0.1"s, "192.0.2"s, "192.0.2.7.1"s, "192.0.2.07"s,
          "01.2.3.4"s, "0x7f.0.0.1"s, "127.1"s, "localhost"s, "192.0.2.7/32"s, "192.0.2.7:80"s,
          "192.0.2.7\0"s, "192.0.2.7\0.1"s, "1.2.3.4" + std::string(50, '5')}) {
        EXPECT_EQ(v1_error("PROXY TCP4 " + address + " 198.51.100.1 1 2\r\n"), bad_source4)
            << address;
        EXPECT_EQ(v1_error("PROXY TCP4 192.0.2.7 " + address + " 1 2\r\n"), bad_destination4)
            << address;
    }
    const std::string bad_source6 = "v1 source address is not an IPv6 address";
    const std::string bad_destination6 = "v1 destination address is not an IPv6 address";
    for (const std::string& address :
         {"192.0.2.7"s, "[::1]"s, "::1%eth0"s, "2001:db8:::1"s, "2001::db8::1"s,
          "1:2:3:4:5:6:7:8:9"s, "1:2:3:4:5:6:7"s, "12345::1"s, "g::1"s, ":1"s, "1:"s, "::1\0"s}) {
        EXPECT_EQ(v1_error("PROXY TCP6 " + address + " ::1 1 2\r\n"), bad_source6) << address;
        EXPECT_EQ(v1_error("PROXY TCP6 ::1 " + address + " 1 2\r\n"), bad_destination6) << address;
    }
}

TEST(ProxyHeaderV1, RefusesOtherProtocols) {
    for (const std::string& line :
         {"PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n"s, "PROXY tcp4 1.2.3.4 1.2.3.4 1 2\r\n"s,
          "PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n"s, "PROXY \r\n"s,
          "PROXY  TCP4 1.2.3.4 1.2.3.4 1 2\r\n"s, "PROXY TCP4\t1.2.3.4 1.2.3.4 1 2\r\n"s,
          "PROXY unknown\r\n"s, "PROXY UNKNOW\r\n"s})
        EXPECT_EQ(v1_error(line), "v1 header's protocol is not TCP4, TCP6 or UNKNOWN") << line;
}

TEST(ProxyHeaderV1, FieldsAreSeparatedByExactlyOneSpace) {
    const std::string spacing = "v1 header's fields are not separated by single spaces";
    EXPECT_EQ(v1_error("PROXY TCP4  192.0.2.7 198.51.100.1 1 2\r\n"), spacing);
    EXPECT_EQ(v1_error("PROXY TCP4 192.0.2.7  198.51.100.1 1 2\r\n"), spacing);
    EXPECT_EQ(v1_error("PROXY TCP4 192.0.2.7 198.51.100.1 1  2\r\n"), spacing);
    EXPECT_EQ(v1_error("PROXY TCP4 192.0.2.7 198.51.100.1 1 2 \r\n"), spacing);
    EXPECT_EQ(v1_error("PROXY TCP4 \r\n"), spacing);
    // A tab is part of the field it sits in.
    EXPECT_EQ(v1_error("PROXY TCP4 192.0.2.7\t198.51.100.1 1 2\r\n"),
              "v1 header has too few fields");
    EXPECT_EQ(v1_error("PROXY TCP4 192.0.2.7 198.51.100.1 1 2\t\r\n"),
              "v1 destination port is not a number from 0 to 65535");

    EXPECT_EQ(v1_error("PROXY TCP4\r\n"), "v1 header has too few fields");
    EXPECT_EQ(v1_error("PROXY TCP4 192.0.2.7\r\n"), "v1 header has too few fields");
    EXPECT_EQ(v1_error("PROXY TCP4 192.0.2.7 198.51.100.1 1\r\n"), "v1 header has too few fields");
    EXPECT_EQ(v1_error("PROXY TCP6 ::1 ::2 1 2 3\r\n"), "v1 header has too many fields");
    EXPECT_EQ(v1_error("PROXY TCP6 ::1 ::2 1 2 extra words\r\n"), "v1 header has too many fields");
}

TEST(ProxyHeaderV1, OnlyCrlfEndsTheLine) {
    const std::string lone_lf = "v1 header has an LF without a CR before it";
    const std::string lone_cr = "v1 header has a CR without an LF after it";
    const std::string body = "PROXY TCP4 192.0.2.7 198.51.100.1 51234 9999";
    EXPECT_EQ(v1_error(body + "\n"), lone_lf);
    EXPECT_EQ(v1_error(body + "\n\r\n"), lone_lf);
    EXPECT_EQ(v1_error(body + "\r\r\n"), lone_cr);
    EXPECT_EQ(v1_error(body + "\rX"), lone_cr);
    EXPECT_EQ(v1_error("PROXY \n"), lone_lf);
    EXPECT_EQ(v1_error("PROXY TCP4\r 192.0.2.7 198.51.100.1 51234 9999\r\n"), lone_cr);
    // Refused as soon as it is seen: no CRLF later can mend it.
    EXPECT_EQ(v1_error("PROXY TCP4 19\n"), lone_lf);
    EXPECT_EQ(v1_error("PROXY TCP4 19\r2"), lone_cr);
    // A CR at the end may be the first half of the CRLF.
    expect_incomplete(parse(body + "\r"), 1, body.size() + 2);
}

TEST(ProxyHeaderV1, TheLineEndsWithin107Bytes) {
    // The spec's worst case, 107 bytes with its CRLF, is accepted; see ReadsWhatHaproxyWrites.
    // Text addresses can be longer than the spec's 39 characters (every group written in full,
    // an IPv4 tail), so a TCP6 line with good fields can reach 107 bytes, or pass it. The IPv4
    // tail cannot be padded with zeros: that is a leading zero.
    EXPECT_EQ(v1_error("PROXY TCP6 0000:0000:0000:0000:0000:ffff:192.000.2.7 ::1 1 2\r\n"),
              "v1 source address is not an IPv6 address");
    const std::string long_source = "0000:0000:0000:0000:0000:ffff:192.100.200.1";   // 43
    const std::string long_destination = "0000:0000:0000:0000:0000:0000:0000:0001";  // 39
    const std::string line =
        "PROXY TCP6 " + long_source + " " + long_destination + " 12345 1234\r\n";
    ASSERT_EQ(line.size(), proxy_v1_max);
    expect_proxied(parse(line), 1, proxy_v1_max, "[::ffff:192.100.200.1]:12345", "[::1]:1234");
    // One byte more, and the line is refused although its fields are good.
    const std::string longer =
        "PROXY TCP6 " + long_source + " " + long_destination + " 12345 12345\r\n";
    ASSERT_EQ(longer.size(), proxy_v1_max + 1);
    EXPECT_EQ(v1_error(longer), "v1 header has no CRLF within 107 bytes");

    const std::string no_crlf = "v1 header has no CRLF within 107 bytes";
    const std::string filler = "PROXY UNKNOWN " + std::string(200, 'x');
    expect_incomplete(parse(filler.substr(0, 106)), 1, 107);
    EXPECT_EQ(v1_error(filler.substr(0, 107)), no_crlf);
    EXPECT_EQ(v1_error(filler.substr(0, 108)), no_crlf);
    EXPECT_EQ(v1_error(filler), no_crlf);
    // A CR as the 106th byte may still make a 107-byte line; as the 107th it cannot.
    expect_incomplete(parse(filler.substr(0, 105) + "\r"), 1, 107);
    expect_local(parse(filler.substr(0, 105) + "\r\n"), 1, 107);
    EXPECT_EQ(v1_error(filler.substr(0, 106) + "\r"), no_crlf);
    EXPECT_EQ(v1_error(filler.substr(0, 106) + "\r\n"), no_crlf);
    EXPECT_EQ(v1_error(filler.substr(0, 106) + "\n"), "v1 header has an LF without a CR before it");
}

TEST(ProxyHeaderV1, IncompleteWantsOneMoreByte) {
    for (std::size_t size = 6; size < kTcp4.size(); ++size)
        expect_incomplete(parse(kTcp4.substr(0, size)), 1, size + 1);
}

// --- v2 ------------------------------------------------------------------------------------

TEST(ProxyHeaderV2, LocalUsesTheConnectionsOwnAddress) {
    expect_local(parse(v2(kLocal, 0x00, "")), 2, 16, true);
    // The family and any address block are ignored, but skipped by their length.
    const std::string block = addresses("192.0.2.7", "198.51.100.1", 51234, 9999);
    expect_local(parse(v2(kLocal, 0x11, block)), 2, 16 + 12, true);
    expect_local(parse(v2(kLocal, 0x21, "short")), 2, 16 + 5, true);
    expect_local(parse(v2(kLocal, 0x45, "")), 2, 16, true);
    expect_local(parse(v2(kLocal, 0xff, "xyz")), 2, 19, true);
}

TEST(ProxyHeaderV2, ReadsTcpAndUdpOverIpv4) {
    const std::string block = addresses("192.0.2.7", "198.51.100.1", 51234, 9999);
    for (const unsigned family : {0x11u, 0x12u}) {
        const ProxyHeader header = parse(v2(kProxy, family, block));
        expect_proxied(header, 2, 28, "192.0.2.7:51234", "198.51.100.1:9999");
        EXPECT_EQ(header.source.length, sizeof(sockaddr_in));
        sockaddr_in in{};
        std::memcpy(&in, &header.destination.storage, sizeof in);
        EXPECT_EQ(in.sin_port, htons(9999));
    }
}

TEST(ProxyHeaderV2, ReadsTcpAndUdpOverIpv6) {
    const std::string block = addresses("2001:db8::7", "2001:db8::1", 51234, 443);
    for (const unsigned family : {0x21u, 0x22u}) {
        const ProxyHeader header = parse(v2(kProxy, family, block));
        expect_proxied(header, 2, 52, "[2001:db8::7]:51234", "[2001:db8::1]:443");
        EXPECT_EQ(header.destination.length, sizeof(sockaddr_in6));
    }
}

TEST(ProxyHeaderV2, PortsRangeFrom0To65535) {
    expect_proxied(parse(v2(kProxy, 0x11, addresses("0.0.0.0", "255.255.255.255", 0, 65535))), 2,
                   28, "0.0.0.0:0", "255.255.255.255:65535");
    expect_proxied(parse(v2(kProxy, 0x21, addresses("::", "::ffff:1.2.3.4", 65535, 0))), 2, 52,
                   "[::]:65535", "[::ffff:1.2.3.4]:0");
}

TEST(ProxyHeaderV2, UnixAndUnspecAreLocal) {
    for (const unsigned family : {0x31u, 0x32u}) {
        expect_local(parse(v2(kProxy, family, std::string(216, '\0'))), 2, 16 + 216);
        expect_local(parse(v2(kProxy, family, std::string(300, '/'))), 2, 16 + 300);
    }
    expect_local(parse(v2(kProxy, 0x00, "")), 2, 16);
    expect_local(parse(v2(kProxy, 0x00, "anything")), 2, 24);
}

TEST(ProxyHeaderV2, TlvsAreSkipped) {
    const std::string block = addresses("192.0.2.7", "198.51.100.1", 51234, 9999);
    const std::string tlvs = tlv(0x01, "h2") + tlv(0x02, "example.com") + tlv(0x04, "") +
                             tlv(0x20, std::string(30, 's')) + tlv(0xe0, "custom");
    expect_proxied(parse(v2(kProxy, 0x11, block + tlvs)), 2, 16 + 12 + tlvs.size(),
                   "192.0.2.7:51234", "198.51.100.1:9999");
    // Not validated: a TLV whose length runs past the header is still only skipped.
    expect_proxied(parse(v2(kProxy, 0x11, block + "\x01\xff\xff")), 2, 31, "192.0.2.7:51234",
                   "198.51.100.1:9999");
    const std::string block6 = addresses("2001:db8::7", "2001:db8::1", 1, 2);
    expect_proxied(parse(v2(kProxy, 0x21, block6 + tlvs)), 2, 16 + 36 + tlvs.size(),
                   "[2001:db8::7]:1", "[2001:db8::1]:2");
}

TEST(ProxyHeaderV2, BytesAfterTheHeaderAreNotItsOwn) {
    const std::string header = v2(kProxy, 0x11, addresses("192.0.2.7", "198.51.100.1", 1, 2));
    expect_proxied(parse(header + "GET / HTTP/1.1\r\n"), 2, 28, "192.0.2.7:1", "198.51.100.1:2");
    expect_proxied(parse(header + header), 2, 28, "192.0.2.7:1", "198.51.100.1:2");
    expect_local(parse(v2(kLocal, 0x00, "") + "\xff\xff\xff"), 2, 16, true);
}

TEST(ProxyHeaderV2, TheLengthMayBe65535) {
    const std::string block = addresses("192.0.2.7", "198.51.100.1", 1, 2);
    const std::string header =
        v2(kProxy, 0x11, block + tlv(0x04, std::string(65535 - 12 - 3, 'n')));
    ASSERT_EQ(header.size(), proxy_v2_max);
    expect_proxied(parse(header), 2, proxy_v2_max, "192.0.2.7:1", "198.51.100.1:2");
    expect_proxied(parse(header + "after"), 2, proxy_v2_max, "192.0.2.7:1", "198.51.100.1:2");
    expect_incomplete(parse(std::string_view(header).substr(0, 16)), 2, proxy_v2_max);
    expect_incomplete(parse(std::string_view(header).substr(0, proxy_v2_max - 1)), 2, proxy_v2_max);
    expect_local(parse(v2(kLocal, 0x00, std::string(65535, '\0'))), 2, proxy_v2_max, true);
}

TEST(ProxyHeaderV2, OnlyVersion2IsAccepted) {
    for (unsigned version = 0; version < 16; ++version) {
        if (version == 2) continue;
        for (const unsigned command : {0u, 1u}) {
            const std::string header =
                v2(version << 4 | command, 0x11, addresses("192.0.2.7", "198.51.100.1", 1, 2));
            expect_invalid(parse(header), 2, "v2 header has version " + std::to_string(version));
            // Known from the 13th byte on.
            expect_invalid(parse(header.substr(0, 13)), 2,
                           "v2 header has version " + std::to_string(version));
        }
    }
}

TEST(ProxyHeaderV2, OnlyLocalAndProxyCommandsAreAccepted) {
    for (unsigned command = 2; command < 16; ++command) {
        const std::string header =
            v2(0x20 | command, 0x11, addresses("192.0.2.7", "198.51.100.1", 1, 2));
        expect_invalid(parse(header), 2, "v2 header has a command other than LOCAL and PROXY");
        expect_invalid(parse(header.substr(0, 13)), 2,
                       "v2 header has a command other than LOCAL and PROXY");
    }
}

TEST(ProxyHeaderV2, OnlyTheListedFamiliesAreAccepted) {
    const std::set<unsigned> listed = {0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32};
    const std::string body(216, '\0');
    for (unsigned family = 0; family < 256; ++family) {
        const std::string header = v2(kProxy, family, body);
        if (listed.count(family) != 0) {
            EXPECT_NE(parse(header).status, Status::invalid) << family;
        } else {
            expect_invalid(parse(header), 2,
                           "v2 header has an unknown address family or transport");
            expect_invalid(parse(header.substr(0, 14)), 2,
                           "v2 header has an unknown address family or transport");
        }
        // LOCAL ignores the family.
        expect_local(parse(v2(kLocal, family, body)), 2, 16 + 216, true);
    }
}

TEST(ProxyHeaderV2, TheLengthMustHoldTheAddresses) {
    const std::string too_short = "v2 header is too short for its addresses";
    const std::string block4 = addresses("192.0.2.7", "198.51.100.1", 1, 2);
    const std::string block6 = addresses("2001:db8::7", "2001:db8::1", 1, 2);
    for (const unsigned family : {0x11u, 0x12u}) {
        expect_invalid(parse(v2(kProxy, family, block4.substr(0, 11))), 2, too_short);
        expect_invalid(parse(v2(kProxy, family, "")), 2, too_short);
        EXPECT_EQ(parse(v2(kProxy, family, block4)).status, Status::proxied);
    }
    for (const unsigned family : {0x21u, 0x22u}) {
        expect_invalid(parse(v2(kProxy, family, block6.substr(0, 35))), 2, too_short);
        expect_invalid(parse(v2(kProxy, family, block4)), 2, too_short);
        EXPECT_EQ(parse(v2(kProxy, family, block6)).status, Status::proxied);
    }
    for (const unsigned family : {0x31u, 0x32u}) {
        expect_invalid(parse(v2(kProxy, family, std::string(215, 'u'))), 2, too_short);
        expect_invalid(parse(v2(kProxy, family, block6)), 2, too_short);
    }
    // Known from the length field on, before the block arrives.
    expect_invalid(parse(v2(kProxy, 0x21, block6, 35).substr(0, 16)), 2, too_short);
}

TEST(ProxyHeaderV2, NeededFollowsTheFixedPartThenTheLength) {
    const std::string proxy = v2(kProxy, 0x11, addresses("192.0.2.7", "198.51.100.1", 1, 2));
    for (std::size_t size = 1; size < 12; ++size)
        expect_incomplete(parse(proxy.substr(0, size)), 0, size + 1);
    // Bytes 13 and 14 can each make a PROXY header invalid; the length bytes cannot alone.
    expect_incomplete(parse(proxy.substr(0, 12)), 2, 13);
    expect_incomplete(parse(proxy.substr(0, 13)), 2, 14);
    expect_incomplete(parse(proxy.substr(0, 14)), 2, 16);
    expect_incomplete(parse(proxy.substr(0, 15)), 2, 16);
    for (std::size_t size = 16; size < 28; ++size)
        expect_incomplete(parse(proxy.substr(0, size)), 2, 28);

    const std::string local = v2(kLocal, 0x00, "1234");
    expect_incomplete(parse(local.substr(0, 12)), 2, 13);
    // LOCAL ignores the family byte, so nothing can change before the length is there.
    expect_incomplete(parse(local.substr(0, 13)), 2, 16);
    expect_incomplete(parse(local.substr(0, 16)), 2, 20);
}

// --- both ----------------------------------------------------------------------------------

TEST(ProxyHeader, EmptyInputWantsOneByte) {
    expect_incomplete(parse(""), 0, 1);
    expect_incomplete(parse_proxy_header({}), 0, 1);
}

TEST(ProxyHeader, SignaturePrefixesAreIncomplete) {
    for (std::size_t size = 1; size < 6; ++size)
        expect_incomplete(parse(std::string_view("PROXY ").substr(0, size)), 0, size + 1);
    for (std::size_t size = 1; size < 12; ++size)
        expect_incomplete(parse(std::string_view(kV2Signature).substr(0, size)), 0, size + 1);
    expect_incomplete(parse("PROXY "), 1, 7);
    expect_incomplete(parse(kV2Signature), 2, 13);
}

TEST(ProxyHeader, OtherProtocolsAreRefusedAtTheirFirstOddByte) {
    const std::string not_proxy = "not a PROXY header";
    for (const std::string& bytes :
         {"GET / HTTP/1.1\r\n"s, "\x16\x03\x01\x02\x00"s, "SSH-2.0-OpenSSH\r\n"s, "proxy "s,
          "PROXY\r\n"s, "PROXYTCP4"s, "PROXY\t"s, "P"s + '\0', "\r\n\r\n"s + '\x01',
          "\r\n\r\n\r\n"s, "\r\n\r\n\0\r\nQUIT\r"s, "\r\n\r\n\0\r\nquit\n"s, "\n"s, "\r\r"s,
          " PROXY "s, "x"s}) {
        expect_invalid(parse(bytes), 0, not_proxy);
        // Nothing after the odd byte matters.
        expect_invalid(parse(bytes + "PROXY TCP4 1.2.3.4 1.2.3.4 1 2\r\n"), 0, not_proxy);
    }
    expect_invalid(parse("H"), 0, not_proxy);
    expect_invalid(parse("PROXZ"), 0, not_proxy);
}

TEST(ProxyHeader, EveryPrefixOfAValidHeaderIsIncomplete) {
    for (const std::string& header : valid_headers()) {
        const ProxyHeader whole = parse(header);
        ASSERT_NE(whole.status, Status::incomplete) << header;
        ASSERT_NE(whole.status, Status::invalid) << whole.error;
        ASSERT_EQ(whole.length, header.size());
        const std::size_t signature = whole.version == 1 ? 6 : 12;
        std::size_t last_needed = 0;
        for (std::size_t size = 0; size < header.size(); ++size) {
            const ProxyHeader prefix = parse(std::string_view(header).substr(0, size));
            EXPECT_EQ(prefix.status, Status::incomplete) << size << " of " << header.size();
            EXPECT_GT(prefix.needed, size);
            EXPECT_LE(prefix.needed, header.size());
            EXPECT_GE(prefix.needed, last_needed);
            EXPECT_EQ(prefix.version, size >= signature ? whole.version : 0) << size;
            last_needed = prefix.needed;
        }
    }
}

TEST(ProxyHeader, AnInvalidHeaderStaysInvalidWhateverFollows) {
    for (const std::string& bytes :
         {"PROXY TCP4 19\n"s, "PROXY UNKNOWN \r?"s, "GET"s, v2(0x31, 0x11, ""), v2(0x25, 0x11, ""),
          v2(kProxy, 0x13, ""), v2(kProxy, 0x11, "", 11)}) {
        const ProxyHeader first = parse(bytes);
        ASSERT_EQ(first.status, Status::invalid) << bytes;
        for (const std::string& more : {""s, "\r\n"s, std::string(200, 'x'), kTcp4})
            expect_invalid(parse(bytes + more), first.version, first.error);
    }
}

TEST(ProxyHeader, ErrorsAreDistinctPrintableFragments) {
    const std::vector<std::string> inputs = {"GET",
                                             "PROXY UNKNOWN " + std::string(100, 'x'),
                                             "PROXY \n",
                                             "PROXY \rx",
                                             "PROXY TCP9\r\n",
                                             "PROXY TCP4  \r\n",
                                             "PROXY TCP4 1\r\n",
                                             "PROXY TCP4 1 2 3 4 5\r\n",
                                             "PROXY TCP4 x 1.2.3.4 1 2\r\n",
                                             "PROXY TCP4 1.2.3.4 x 1 2\r\n",
                                             "PROXY TCP6 x ::1 1 2\r\n",
                                             "PROXY TCP6 ::1 x 1 2\r\n",
                                             "PROXY TCP6 ::1 ::1 x 2\r\n",
                                             "PROXY TCP6 ::1 ::1 1 x\r\n",
                                             "PROXY TCP6 ::1 ::1 01 2\r\n",
                                             "PROXY TCP6 ::1 ::1 1 02\r\n",
                                             v2(0x10, 0, ""),
                                             v2(0x22, 0, ""),
                                             v2(kProxy, 0x41, ""),
                                             v2(kProxy, 0x11, "")};
    std::set<std::string> errors;
    for (const std::string& input : inputs) {
        const ProxyHeader header = parse(input);
        ASSERT_EQ(header.status, Status::invalid) << input;
        const std::string error(header.error);
        EXPECT_TRUE(errors.insert(error).second) << "said twice: " << error;
        for (const char c : error)
            EXPECT_TRUE(c >= 0x20 && c < 0x7f) << error;
        EXPECT_NE(error.back(), '.');
    }
    EXPECT_EQ(errors.size(), inputs.size());
}

}  // namespace
}  // namespace hellod::net
