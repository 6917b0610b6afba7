#pragma once

// A reference model of net::parse_proxy_header, written from haproxy's doc/proxy-protocol.txt
// and the contract in proxy_header.hpp rather than from the parser: std::string throughout, the
// v1 line walked one byte at a time and cut into words, and the addresses read by hand (a dotted
// quad split at its dots, IPv6 text split at its "::" and colons) instead of by inet_pton, so
// that the fuzz target checks the parser's use of inet_pton too.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hellod::fuzz {

struct ModelHeader {
    enum class Kind { incomplete, invalid, local, proxied } kind = Kind::incomplete;
    int version = 0;
    std::size_t needed = 0;      // incomplete
    std::size_t length = 0;      // local, proxied
    bool local_command = false;  // local: v2 LOCAL, the balancer's own connection
    std::string error;           // invalid
    // proxied: 4 or 16 address bytes in network order, ports in host order.
    std::string source_address;
    std::string destination_address;
    unsigned source_port = 0;
    unsigned destination_port = 0;
};

namespace model_detail {

inline ModelHeader incomplete(int version, std::size_t needed) {
    ModelHeader m;
    m.version = version;
    m.needed = needed;
    return m;
}

inline ModelHeader invalid(int version, std::string error) {
    ModelHeader m;
    m.kind = ModelHeader::Kind::invalid;
    m.version = version;
    m.error = std::move(error);
    return m;
}

inline ModelHeader local(int version, std::size_t length) {
    ModelHeader m;
    m.kind = ModelHeader::Kind::local;
    m.version = version;
    m.length = length;
    return m;
}

inline std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts(1);
    for (const char c : text) {
        if (c == separator) {
            parts.emplace_back();
        } else {
            parts.back() += c;
        }
    }
    return parts;
}

inline bool is_decimal(const std::string& text) {
    if (text.empty()) return false;
    for (const char c : text) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

// Section 2.1: "exactly 4 integers in the range [0..255] ... separated by exactly one dot",
// no heading zeroes.
inline std::optional<std::string> ipv4(const std::string& text) {
    const std::vector<std::string> parts = split(text, '.');
    if (parts.size() != 4) return std::nullopt;
    std::string bytes;
    for (const std::string& part : parts) {
        if (!is_decimal(part) || part.size() > 3) return std::nullopt;
        if (part.size() > 1 && part[0] == '0') return std::nullopt;
        const int value = std::stoi(part);
        if (value > 255) return std::nullopt;
        bytes += static_cast<char>(value);
    }
    return bytes;
}

inline int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The 16-bit groups of a colon-separated run ("" is no group); the last may be a dotted quad
// (two groups) when `ipv4_tail` allows it. nullopt if any group is malformed.
inline std::optional<std::string> ipv6_groups(const std::string& run, bool ipv4_tail) {
    if (run.empty()) return std::string();
    const std::vector<std::string> groups = split(run, ':');
    std::string bytes;
    for (std::size_t i = 0; i < groups.size(); ++i) {
        const std::string& group = groups[i];
        if (ipv4_tail && i + 1 == groups.size() && group.find('.') != std::string::npos) {
            const auto quad = ipv4(group);
            if (!quad) return std::nullopt;
            bytes += *quad;
            continue;
        }
        if (group.empty() || group.size() > 4) return std::nullopt;
        unsigned value = 0;
        for (const char c : group) {
            const int digit = hex_value(c);
            if (digit < 0) return std::nullopt;
            value = value * 16 + static_cast<unsigned>(digit);
        }
        bytes += static_cast<char>(value >> 8);
        bytes += static_cast<char>(value & 0xff);
    }
    return bytes;
}

// RFC 4291 section 2.2 text: eight groups of 1-4 hex digits, or fewer around one "::" that
// stands for at least one zero group, the last 32 bits possibly a dotted quad.
inline std::optional<std::string> ipv6(const std::string& text) {
    const std::size_t gap = text.find("::");
    if (gap == std::string::npos) {
        const auto bytes = ipv6_groups(text, true);
        if (!bytes || bytes->size() != 16) return std::nullopt;
        return bytes;
    }
    if (text.find("::", gap + 1) != std::string::npos) return std::nullopt;
    const std::string right_text = text.substr(gap + 2);
    const auto left = ipv6_groups(text.substr(0, gap), false);
    const auto right = ipv6_groups(right_text, true);
    if (!left || !right) return std::nullopt;
    if (left->size() + right->size() > 14) return std::nullopt;
    return *left + std::string(16 - left->size() - right->size(), '\0') + *right;
}

struct PortCheck {
    std::optional<unsigned> value;
    std::string error;
};

inline PortCheck port(const std::string& text, const std::string& which) {
    if (!is_decimal(text))
        return {std::nullopt, "v1 " + which + " port is not a number from 0 to 65535"};
    if (text.size() > 1 && text[0] == '0')
        return {std::nullopt, "v1 " + which + " port has a leading zero"};
    if (text.size() > 5 || std::stoul(text) > 65535)
        return {std::nullopt, "v1 " + which + " port is not a number from 0 to 65535"};
    return {static_cast<unsigned>(std::stoul(text)), ""};
}

// The words of the line between "PROXY " and the CRLF.
inline ModelHeader v1_line(const std::string& line, std::size_t length) {
    const std::vector<std::string> words = split(line, ' ');
    if (words[0] == "UNKNOWN") return local(1, length);
    if (words[0] != "TCP4" && words[0] != "TCP6")
        return invalid(1, "v1 header's protocol is not TCP4, TCP6 or UNKNOWN");
    if (words.size() == 1) return invalid(1, "v1 header has too few fields");
    for (std::size_t i = 1; i < words.size(); ++i) {
        if (words[i].empty())
            return invalid(1, "v1 header's fields are not separated by single spaces");
        if (i > 4) return invalid(1, "v1 header has too many fields");
    }
    if (words.size() < 5) return invalid(1, "v1 header has too few fields");

    const bool v4 = words[0] == "TCP4";
    const auto address = [v4](const std::string& text) { return v4 ? ipv4(text) : ipv6(text); };
    const std::string family = v4 ? "IPv4" : "IPv6";
    const auto source = address(words[1]);
    if (!source) return invalid(1, "v1 source address is not an " + family + " address");
    const auto destination = address(words[2]);
    if (!destination) return invalid(1, "v1 destination address is not an " + family + " address");
    const PortCheck source_port = port(words[3], "source");
    if (!source_port.value) return invalid(1, source_port.error);
    const PortCheck destination_port = port(words[4], "destination");
    if (!destination_port.value) return invalid(1, destination_port.error);

    ModelHeader m;
    m.kind = ModelHeader::Kind::proxied;
    m.version = 1;
    m.length = length;
    m.source_address = *source;
    m.destination_address = *destination;
    m.source_port = *source_port.value;
    m.destination_port = *destination_port.value;
    return m;
}

// `input` starts with "PROXY ". Byte by byte: the first CR or LF decides, and the line must end
// by its 107th byte.
inline ModelHeader v1(const std::string& input) {
    constexpr std::size_t kMax = 107;
    for (std::size_t i = 6; i < input.size(); ++i) {
        if (i == kMax) break;
        if (input[i] == '\n') return invalid(1, "v1 header has an LF without a CR before it");
        if (input[i] != '\r') continue;
        if (i + 2 > kMax) break;
        if (i + 1 == input.size()) return incomplete(1, input.size() + 1);
        if (input[i + 1] != '\n') return invalid(1, "v1 header has a CR without an LF after it");
        return v1_line(input.substr(6, i - 6), i + 2);
    }
    // Also reached at a CR as the 107th byte, whose LF would be the 108th.
    if (input.size() >= kMax) return invalid(1, "v1 header has no CRLF within 107 bytes");
    return incomplete(1, input.size() + 1);
}

// `input` starts with the 12-byte v2 signature.
inline ModelHeader v2(const std::string& input) {
    const auto at = [&input](std::size_t i) { return static_cast<unsigned char>(input[i]); };
    if (input.size() < 13) return incomplete(2, 13);
    const unsigned version = at(12) / 16;
    const unsigned command = at(12) % 16;
    if (version != 2) return invalid(2, "v2 header has version " + std::to_string(version));
    if (command != 0 && command != 1)
        return invalid(2, "v2 header has a command other than LOCAL and PROXY");
    const bool proxy = command == 1;
    if (input.size() < 14) return incomplete(2, proxy ? 14 : 16);

    // The protocol bytes of section 2.2 and the address block each needs.
    std::optional<std::size_t> block;
    switch (at(13)) {
        case 0x00:
            block = 0;
            break;
        case 0x11:
        case 0x12:
            block = 12;
            break;
        case 0x21:
        case 0x22:
            block = 36;
            break;
        case 0x31:
        case 0x32:
            block = 216;
            break;
        default:
            break;
    }
    if (proxy && !block) return invalid(2, "v2 header has an unknown address family or transport");
    if (input.size() < 16) return incomplete(2, 16);
    const std::size_t declared = at(14) * 256u + at(15);
    if (proxy && declared < *block) return invalid(2, "v2 header is too short for its addresses");
    const std::size_t total = 16 + declared;
    if (input.size() < total) return incomplete(2, total);
    if (!proxy) {
        ModelHeader m = local(2, total);
        m.local_command = true;
        return m;
    }
    if (*block == 0 || *block == 216) return local(2, total);

    const std::size_t size = *block == 12 ? 4 : 16;
    ModelHeader m;
    m.kind = ModelHeader::Kind::proxied;
    m.version = 2;
    m.length = total;
    m.source_address = input.substr(16, size);
    m.destination_address = input.substr(16 + size, size);
    m.source_port = at(16 + 2 * size) * 256u + at(17 + 2 * size);
    m.destination_port = at(18 + 2 * size) * 256u + at(19 + 2 * size);
    return m;
}

}  // namespace model_detail

inline ModelHeader proxy_header_model(std::string_view bytes) {
    using namespace model_detail;
    const std::string input(bytes);
    const std::string v1_signature = "PROXY ";
    const std::string v2_signature("\r\n\r\n\0\r\nQUIT\n", 12);
    const auto matched = [&input](const std::string& signature) {
        std::size_t n = 0;
        while (n < input.size() && n < signature.size() && input[n] == signature[n])
            ++n;
        return n;
    };
    const std::size_t matched1 = matched(v1_signature);
    const std::size_t matched2 = matched(v2_signature);
    if (matched1 == v1_signature.size()) return v1(input);
    if (matched2 == v2_signature.size()) return v2(input);
    // Everything so far is a beginning of one signature or the other.
    if (matched1 == input.size() || matched2 == input.size())
        return incomplete(0, input.size() + 1);
    return invalid(0, "not a PROXY header");
}

}  // namespace hellod::fuzz
