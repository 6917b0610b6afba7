// The PROXY protocol header (haproxy's doc/proxy-protocol.txt, versions 1 and 2).
//
// Every error is reported as soon as the bytes that make it certain are there, and `needed` is
// the next size at which the answer can differ; so a result only ever changes from incomplete to
// something else, and an invalid result stays the same however many bytes follow.
#include "net/proxy_header.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace hellod::net {
namespace {

using Status = ProxyHeader::Status;

constexpr std::string_view kV1Signature = "PROXY ";
constexpr std::string_view kV2Signature{"\r\n\r\n\0\r\nQUIT\n", 12};

// v2: the signature, then these bytes, then the address block and TLVs.
constexpr std::size_t kVerCmd = 12;
constexpr std::size_t kFamily = 13;
constexpr std::size_t kV2Fixed = 16;

constexpr std::string_view kNotProxy = "not a PROXY header";
constexpr std::string_view kV1NoCrlf = "v1 header has no CRLF within 107 bytes";
constexpr std::string_view kV1LoneLf = "v1 header has an LF without a CR before it";
constexpr std::string_view kV1LoneCr = "v1 header has a CR without an LF after it";
constexpr std::string_view kV1Protocol = "v1 header's protocol is not TCP4, TCP6 or UNKNOWN";
constexpr std::string_view kV1Spacing = "v1 header's fields are not separated by single spaces";
constexpr std::string_view kV1TooFew = "v1 header has too few fields";
constexpr std::string_view kV1TooMany = "v1 header has too many fields";
constexpr std::string_view kV2Command = "v2 header has a command other than LOCAL and PROXY";
constexpr std::string_view kV2Family = "v2 header has an unknown address family or transport";
constexpr std::string_view kV2Short = "v2 header is too short for its addresses";

// Static text for every version nibble but 2, so the error can name the one received.
constexpr std::array<std::string_view, 16> kV2Version = {
    "v2 header has version 0",  "v2 header has version 1",  "",
    "v2 header has version 3",  "v2 header has version 4",  "v2 header has version 5",
    "v2 header has version 6",  "v2 header has version 7",  "v2 header has version 8",
    "v2 header has version 9",  "v2 header has version 10", "v2 header has version 11",
    "v2 header has version 12", "v2 header has version 13", "v2 header has version 14",
    "v2 header has version 15",
};

struct V1Field {
    int family;                     // AF_INET or AF_INET6
    std::string_view bad_address;   // the error for this field's address
    std::string_view bad_port;      // the error for this field's port
    std::string_view leading_zero;  // the error for a port written with a leading zero
};

constexpr V1Field kV1Source4 = {AF_INET, "v1 source address is not an IPv4 address",
                                "v1 source port is not a number from 0 to 65535",
                                "v1 source port has a leading zero"};
constexpr V1Field kV1Destination4 = {AF_INET, "v1 destination address is not an IPv4 address",
                                     "v1 destination port is not a number from 0 to 65535",
                                     "v1 destination port has a leading zero"};
constexpr V1Field kV1Source6 = {AF_INET6, "v1 source address is not an IPv6 address",
                                kV1Source4.bad_port, kV1Source4.leading_zero};
constexpr V1Field kV1Destination6 = {AF_INET6, "v1 destination address is not an IPv6 address",
                                     kV1Destination4.bad_port, kV1Destination4.leading_zero};

ProxyHeader incomplete(int version, std::size_t needed) {
    ProxyHeader header;
    header.version = version;
    header.needed = needed;
    return header;
}

ProxyHeader invalid(int version, std::string_view error) {
    ProxyHeader header;
    header.status = Status::invalid;
    header.version = version;
    header.error = error;
    return header;
}

ProxyHeader local(int version, std::size_t length) {
    ProxyHeader header;
    header.status = Status::local;
    header.version = version;
    header.length = length;
    return header;
}

// `address` (4 or 16 bytes, network order) and `port` (host order) as the sockaddr of `family`.
SocketAddress socket_address(int family, const unsigned char* address, std::uint16_t port) {
    SocketAddress out;
    // Built apart and copied in: sockaddr_storage is not a sockaddr_in to the aliasing rules.
    if (family == AF_INET) {
        sockaddr_in in{};
        in.sin_family = AF_INET;
        in.sin_port = htons(port);
        std::memcpy(&in.sin_addr, address, sizeof in.sin_addr);
        std::memcpy(&out.storage, &in, sizeof in);
        out.length = sizeof in;
    } else {
        sockaddr_in6 in6{};
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons(port);
        std::memcpy(&in6.sin6_addr, address, sizeof in6.sin6_addr);
        std::memcpy(&out.storage, &in6, sizeof in6);
        out.length = sizeof in6;
    }
    return out;
}

// inet_pton's reading (a dotted quad without leading zeros, or IPv6 text), which wants a C
// string: the field is copied, and one holding a NUL is refused rather than cut short there.
bool parse_address(std::string_view text, int family, unsigned char* out) {
    std::array<char, INET6_ADDRSTRLEN> buffer{};
    if (text.size() >= buffer.size() || text.find('\0') != std::string_view::npos) return false;
    std::memcpy(buffer.data(), text.data(), text.size());
    return ::inet_pton(family, buffer.data(), out) == 1;
}

// Decimal 0..65535; the spec forbids leading zeros (they could be read as octal).
std::string_view parse_port(std::string_view text, const V1Field& field, std::uint16_t& port) {
    if (text.empty()) return field.bad_port;
    for (const char c : text) {
        if (c < '0' || c > '9') return field.bad_port;
    }
    if (text.size() > 1 && text.front() == '0') return field.leading_zero;
    if (text.size() > 5) return field.bad_port;  // before the sum could overflow
    unsigned value = 0;
    for (const char c : text)
        value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > 65535) return field.bad_port;
    port = static_cast<std::uint16_t>(value);
    return {};
}

// The line between "PROXY " and its CRLF; `length` counts both.
ProxyHeader parse_v1_line(std::string_view line, std::size_t length) {
    const std::string_view protocol = line.substr(0, line.find(' '));
    // "the receiver must ignore anything presented before the CRLF": whatever follows the space.
    if (protocol == "UNKNOWN") return local(1, length);
    const bool v4 = protocol == "TCP4";
    if (!v4 && protocol != "TCP6") return invalid(1, kV1Protocol);
    if (protocol.size() == line.size()) return invalid(1, kV1TooFew);

    std::array<std::string_view, 4> fields;
    std::size_t count = 0;
    std::string_view rest = line.substr(protocol.size() + 1);
    for (;;) {
        const std::size_t space = rest.find(' ');
        const std::string_view field = rest.substr(0, space);
        if (field.empty()) return invalid(1, kV1Spacing);
        if (count == fields.size()) return invalid(1, kV1TooMany);
        fields[count++] = field;
        if (space == std::string_view::npos) break;
        rest.remove_prefix(space + 1);
    }
    if (count < fields.size()) return invalid(1, kV1TooFew);

    const V1Field& source = v4 ? kV1Source4 : kV1Source6;
    const V1Field& destination = v4 ? kV1Destination4 : kV1Destination6;
    std::array<unsigned char, 16> source_address{};
    std::array<unsigned char, 16> destination_address{};
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    if (!parse_address(fields[0], source.family, source_address.data()))
        return invalid(1, source.bad_address);
    if (!parse_address(fields[1], destination.family, destination_address.data()))
        return invalid(1, destination.bad_address);
    if (const auto error = parse_port(fields[2], source, source_port); !error.empty())
        return invalid(1, error);
    if (const auto error = parse_port(fields[3], destination, destination_port); !error.empty())
        return invalid(1, error);

    ProxyHeader header;
    header.status = Status::proxied;
    header.version = 1;
    header.length = length;
    header.source = socket_address(source.family, source_address.data(), source_port);
    header.destination =
        socket_address(destination.family, destination_address.data(), destination_port);
    return header;
}

// `bytes` starts with "PROXY ".
ProxyHeader parse_v1(std::string_view bytes) {
    // The line is decoded only once its CRLF is there, but a misplaced CR or LF is refused as
    // soon as it is seen, and so is a line that can no longer end within the limit.
    const std::string_view window = bytes.substr(0, proxy_v1_max);
    const std::size_t end = window.find_first_of("\r\n");
    if (end == std::string_view::npos) {
        if (bytes.size() >= proxy_v1_max) return invalid(1, kV1NoCrlf);
        return incomplete(1, bytes.size() + 1);
    }
    if (window[end] == '\n') return invalid(1, kV1LoneLf);
    if (end + 1 == proxy_v1_max) return invalid(1, kV1NoCrlf);  // its LF would be byte 108
    if (end + 1 == bytes.size()) return incomplete(1, bytes.size() + 1);
    if (bytes[end + 1] != '\n') return invalid(1, kV1LoneCr);
    return parse_v1_line(bytes.substr(kV1Signature.size(), end - kV1Signature.size()), end + 2);
}

bool known_family(unsigned char family) {
    switch (family) {
        case 0x00:  // UNSPEC
        case 0x11:  // TCP over IPv4
        case 0x12:  // UDP over IPv4
        case 0x21:  // TCP over IPv6
        case 0x22:  // UDP over IPv6
        case 0x31:  // UNIX stream
        case 0x32:  // UNIX datagram
            return true;
        default:
            return false;
    }
}

// The address block a PROXY command needs for `family` (a known one).
std::size_t address_block(unsigned char family) {
    switch (family >> 4) {
        case 1:
            return 2 * 4 + 2 * 2;
        case 2:
            return 2 * 16 + 2 * 2;
        case 3:
            return 2 * 108;
        default:
            return 0;
    }
}

std::uint16_t big_endian16(const unsigned char* at) {
    return static_cast<std::uint16_t>(at[0] << 8 | at[1]);
}

// `bytes` starts with the 12-byte v2 signature.
ProxyHeader parse_v2(std::span<const unsigned char> bytes) {
    if (bytes.size() <= kVerCmd) return incomplete(2, kVerCmd + 1);
    const unsigned version = bytes[kVerCmd] >> 4;
    const unsigned command = bytes[kVerCmd] & 0x0f;
    if (version != 2) return invalid(2, kV2Version[version]);
    if (command > 1) return invalid(2, kV2Command);
    // LOCAL ignores the family byte altogether ("discard the protocol block including the
    // family"), so only the length can change its answer.
    const bool proxy = command == 1;
    if (bytes.size() <= kFamily) return incomplete(2, proxy ? kFamily + 1 : kV2Fixed);
    const unsigned char family = bytes[kFamily];
    if (proxy && !known_family(family)) return invalid(2, kV2Family);
    if (bytes.size() < kV2Fixed) return incomplete(2, kV2Fixed);

    const std::size_t length = kV2Fixed + big_endian16(&bytes[14]);
    if (proxy && length - kV2Fixed < address_block(family)) return invalid(2, kV2Short);
    if (bytes.size() < length) return incomplete(2, length);
    if (!proxy) {
        ProxyHeader header = local(2, length);
        header.local_command = true;
        return header;
    }
    // UNSPEC and UNIX carry nothing a TCP server can use as its peer: the connection's own
    // address stands, as the spec allows for protocols a receiver does not implement.
    if (family == 0x00 || family >> 4 == 3) return local(2, length);

    const int af = family >> 4 == 1 ? AF_INET : AF_INET6;
    const std::size_t size = af == AF_INET ? 4 : 16;
    const unsigned char* addresses = &bytes[kV2Fixed];
    ProxyHeader header;
    header.status = Status::proxied;
    header.version = 2;
    header.length = length;
    header.source = socket_address(af, addresses, big_endian16(addresses + 2 * size));
    header.destination =
        socket_address(af, addresses + size, big_endian16(addresses + 2 * size + 2));
    return header;
}

}  // namespace

ProxyHeader parse_proxy_header(std::span<const char> bytes) noexcept {
    const std::string_view text(bytes.data(), bytes.size());
    if (text.empty()) return incomplete(0, 1);
    // The signatures differ in their first byte, so that byte picks the one to follow.
    const bool v1 = text.front() == kV1Signature.front();
    const std::string_view signature = v1 ? kV1Signature : kV2Signature;
    const std::size_t seen = std::min(text.size(), signature.size());
    if (text.substr(0, seen) != signature.substr(0, seen)) return invalid(0, kNotProxy);
    if (seen < signature.size()) return incomplete(0, text.size() + 1);
    if (v1) return parse_v1(text);
    return parse_v2({reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()});
}

}  // namespace hellod::net
