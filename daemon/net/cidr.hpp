#pragma once

#include <sys/socket.h>

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hellod::net {

// 128 bits as two words, most significant first, so that masking and comparing an address is a
// few integer operations.
struct Bits128 {
    std::uint64_t high = 0;
    std::uint64_t low = 0;

    friend constexpr Bits128 operator&(Bits128 a, Bits128 b) noexcept {
        return {a.high & b.high, a.low & b.low};
    }
    auto operator<=>(const Bits128&) const = default;
};

enum class IpFamily : std::uint8_t { v4, v6 };

// A peer's IP address, ready to be matched. An IPv4 address sits in the top 32 bits, so that a
// prefix counts from the top in both families.
struct IpAddress {
    IpFamily family = IpFamily::v4;
    Bits128 bits;

    // The address of an AF_INET or AF_INET6 socket address; an IPv4-mapped IPv6 address
    // (::ffff:a.b.c.d, what a dual-stack socket reports for an IPv4 client) is the IPv4 address
    // it carries. nullopt for other families (AF_UNIX) and short addresses.
    static std::optional<IpAddress> of(const sockaddr* address, socklen_t length) noexcept;

    auto operator<=>(const IpAddress&) const = default;
};

// An IPv4 or IPv6 network, "192.0.2.0/24" or "2001:db8::/32", with its mask worked out once so
// that contains() is a mask and a compare.
class Cidr {
  public:
    // Reads "ADDRESS/PREFIX" or a bare ADDRESS (one host: /32 or /128); an IPv6 address may be
    // in brackets. ::ffff:a.b.c.d/N with N >= 96 is read as the IPv4 network a.b.c.d/(N-96),
    // since IPv4-mapped peers are matched as IPv4. Host names are not accepted. Throws
    // std::invalid_argument with a fragment that follows "<option>: ": the text quoted, then
    // what is wrong ("has host bits set past /8; did you mean 10.0.0.0/8?").
    static Cidr parse(std::string_view text);

    bool contains(const IpAddress& address) const noexcept {
        return address.family == family_ && (address.bits & mask_) == network_;
    }
    // Whether every address of `inner` is in this network.
    bool contains(const Cidr& inner) const noexcept {
        return inner.family_ == family_ && inner.prefix_ >= prefix_ &&
               (inner.network_ & mask_) == network_;
    }

    IpFamily family() const noexcept { return family_; }
    unsigned prefix() const noexcept { return prefix_; }

    // "192.0.2.0/24", "2001:db8::/32", "192.0.2.7/32": always with the prefix length, so a log
    // line never leaves the reader guessing whether a rule is one host.
    std::string to_string() const;

    bool operator==(const Cidr&) const = default;

  private:
    Cidr(IpFamily family, Bits128 network, unsigned prefix) noexcept;

    IpFamily family_ = IpFamily::v4;
    std::uint8_t prefix_ = 0;
    Bits128 network_;
    Bits128 mask_;
};

}  // namespace hellod::net
