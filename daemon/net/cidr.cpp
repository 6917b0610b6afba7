#include "net/cidr.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <span>
#include <stdexcept>

#include "text/escape.hpp"
#include "text/strings.hpp"

namespace hellod::net {
namespace {

constexpr unsigned kV4Bits = 32;
constexpr unsigned kV6Bits = 128;
constexpr unsigned kMappedPrefix = 96;  // ::ffff:0:0/96 holds the IPv4-mapped addresses

unsigned width(IpFamily family) {
    return family == IpFamily::v4 ? kV4Bits : kV6Bits;
}

// The top `bits` bits of 128 set.
Bits128 top_bits(unsigned bits) {
    const auto word = [](unsigned n) -> std::uint64_t {  // the top n of 64, n in 0..64
        return n == 0 ? 0 : ~std::uint64_t{0} << (64 - n);
    };
    return {word(std::min(bits, 64u)), word(bits > 64 ? bits - 64 : 0)};
}

// Big-endian bytes (4 or 16) from the top of the 128 bits down.
Bits128 from_bytes(std::span<const std::uint8_t> bytes) {
    Bits128 out;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        auto& word = i < 8 ? out.high : out.low;
        word |= std::uint64_t{bytes[i]} << (56 - 8 * (i % 8));
    }
    return out;
}

std::array<std::uint8_t, 16> to_bytes(Bits128 bits) {
    std::array<std::uint8_t, 16> out{};
    for (std::size_t i = 0; i < out.size(); ++i) {
        const auto word = i < 8 ? bits.high : bits.low;
        out[i] = static_cast<std::uint8_t>(word >> (56 - 8 * (i % 8)));
    }
    return out;
}

std::invalid_argument not_an_address(std::string_view text) {
    return std::invalid_argument(quoted_excerpt(text) +
                                 " is not an IP address or network (like 192.0.2.7, "
                                 "192.0.2.0/24 or 2001:db8::/32; host names are not looked up)");
}

// The prefix length after the '/'.
unsigned parse_prefix(std::string_view digits, IpFamily family, std::string_view original) {
    if (digits.empty())
        throw std::invalid_argument(quoted_excerpt(original) +
                                    " has no prefix length after the '/'");
    const bool number = digits.size() <= 3 &&
                        std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '9'; });
    unsigned value = 0;
    for (const char c : digits)
        value = value * 10 + static_cast<unsigned>(c - '0');
    if (!number || value > width(family)) {
        throw std::invalid_argument(quoted_excerpt(original) +
                                    " has a prefix length that is not a whole number from 0 to " +
                                    std::to_string(width(family)));
    }
    return value;
}

}  // namespace

std::optional<IpAddress> IpAddress::of(const sockaddr* address, socklen_t length) noexcept {
    if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(address);
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(&a->sin_addr);
        return IpAddress{IpFamily::v4, from_bytes({bytes, 4})};
    }
    if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(address);
        const std::span<const std::uint8_t, 16> bytes(a->sin6_addr.s6_addr);
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
            return IpAddress{IpFamily::v4, from_bytes(bytes.subspan<12>())};
        return IpAddress{IpFamily::v6, from_bytes(bytes)};
    }
    return std::nullopt;
}

Cidr::Cidr(IpFamily family, Bits128 network, unsigned prefix) noexcept
    : family_(family),
      prefix_(static_cast<std::uint8_t>(prefix)),
      network_(network),
      mask_(top_bits(prefix)) {}

Cidr Cidr::parse(std::string_view original) {
    const auto text = trim(original);
    const auto slash = text.find('/');
    auto address = text.substr(0, slash);
    const bool bracketed = address.starts_with('[');
    if (bracketed) {
        if (address.size() < 2 || !address.ends_with(']')) throw not_an_address(original);
        address = address.substr(1, address.size() - 2);
    }
    // inet_pton wants a NUL-terminated string; anything longer than the longest address is not
    // one, and must not be copied whole.
    if (address.empty() || address.size() >= INET6_ADDRSTRLEN) throw not_an_address(original);
    const std::string terminated(address);
    IpFamily family = IpFamily::v4;
    Bits128 bits;
    if (address.find(':') != std::string_view::npos) {
        in6_addr a{};
        if (::inet_pton(AF_INET6, terminated.c_str(), &a) != 1) throw not_an_address(original);
        family = IpFamily::v6;
        bits = from_bytes(std::span<const std::uint8_t, 16>(a.s6_addr));
    } else {
        in_addr a{};
        // Dotted quads only: inet_pton refuses "10.1", "0x0a.0.0.1" and "010.0.0.1", whose
        // meaning differs between tools.
        if (bracketed || ::inet_pton(AF_INET, terminated.c_str(), &a) != 1)
            throw not_an_address(original);
        bits = from_bytes({reinterpret_cast<const std::uint8_t*>(&a), 4});
    }

    const unsigned prefix = slash == std::string_view::npos
                                ? width(family)
                                : parse_prefix(text.substr(slash + 1), family, original);
    Cidr network(family, bits & top_bits(prefix), prefix);
    if (network.network_ != bits) {
        throw std::invalid_argument(quoted_excerpt(original) + " has host bits set past /" +
                                    std::to_string(prefix) + "; did you mean " +
                                    network.to_string() + "?");
    }
    // Checked after the host bits, so that a mistake is shown in the form it was written.
    constexpr Bits128 mapped_range{0, 0x0000'ffff'0000'0000};
    if (family == IpFamily::v6 && prefix >= kMappedPrefix &&
        (bits & top_bits(kMappedPrefix)) == mapped_range) {
        const unsigned v4_prefix = prefix - kMappedPrefix;
        network = Cidr(IpFamily::v4, Bits128{bits.low << 32, 0}, v4_prefix);
    }
    return network;
}

std::string Cidr::to_string() const {
    const auto bytes = to_bytes(network_);
    char text[INET6_ADDRSTRLEN] = "?";
    ::inet_ntop(family_ == IpFamily::v4 ? AF_INET : AF_INET6, bytes.data(), text, sizeof text);
    return std::string(text) + "/" + std::to_string(prefix_);
}

}  // namespace hellod::net
