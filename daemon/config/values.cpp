#include "config/values.hpp"

#include <algorithm>
#include <charconv>

#include "net/address.hpp"

namespace hellod {

std::uint64_t parse_whole(std::string_view text, std::uint64_t low, std::uint64_t high) {
    const auto digits = trim(text);
    std::uint64_t value = 0;
    const auto* end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
    if (digits.empty() || ec != std::errc{} || ptr != end || value < low || value > high) {
        throw std::invalid_argument(quoted_excerpt(text) + " is not a whole number from " +
                                    std::to_string(low) + " to " + std::to_string(high));
    }
    return value;
}

// Written by hand rather than with from_chars<double> so that "1e3", "inf", "nan" and "-0" are
// refused and the rounding is exact.
std::chrono::milliseconds parse_seconds(std::string_view text, const char* zero_refusal) {
    const std::string range =
        std::string(zero_refusal ? "from 0.001 to " : "from 0 to ") + std::to_string(max_seconds);
    const auto bad = [&] {
        return std::invalid_argument(quoted_excerpt(text) + " is not a number of seconds " + range +
                                     " (like 30 or 0.5)");
    };
    const auto s = trim(text);
    const auto dot = s.find('.');
    const auto whole = s.substr(0, dot);
    const auto fraction = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
    const auto all_digits = [](std::string_view d) {
        return std::ranges::all_of(d, [](char c) { return c >= '0' && c <= '9'; });
    };
    if (whole.size() + fraction.size() == 0 || !all_digits(whole) || !all_digits(fraction)) {
        throw bad();
    }
    std::int64_t ms = 0;
    for (const char c : whole) {
        ms = ms * 10 + (c - '0');
        if (ms > max_seconds) throw bad();  // also keeps the arithmetic from overflowing
    }
    ms *= 1000;
    std::int64_t scale = 100;
    for (std::size_t i = 0; i < fraction.size() && i < 4; ++i) {
        if (i == 3) {
            if (fraction[i] >= '5') ++ms;  // round half up on the first dropped digit
        } else {
            ms += (fraction[i] - '0') * scale;
            scale /= 10;
        }
    }
    if (ms > max_seconds * 1000) throw bad();
    if (ms == 0) {
        const bool written_as_zero = s.find_first_not_of("0.") == std::string_view::npos;
        if (!written_as_zero) {
            throw std::invalid_argument(quoted_excerpt(text) +
                                        " is below the 1 ms resolution of timeouts; write 0 for "
                                        "zero or at least 0.001");
        }
        if (zero_refusal) {
            throw std::invalid_argument(quoted_excerpt(text) + " " + zero_refusal +
                                        "; use a number of seconds " + range);
        }
    }
    return std::chrono::milliseconds{ms};
}

bool parse_bool(std::string_view text) {
    const auto s = trim(text);
    for (const auto* yes : {"true", "yes", "on", "1"}) {
        if (equals_ignoring_case(s, yes)) return true;
    }
    for (const auto* no : {"false", "no", "off", "0"}) {
        if (equals_ignoring_case(s, no)) return false;
    }
    throw std::invalid_argument(quoted_excerpt(text) +
                                " is not true or false (also yes/no, on/off, 1/0)");
}

std::string_view line_safe(std::string_view text) {
    const auto at = text.find_first_of(std::string_view("\r\n\0", 3));
    if (at == std::string_view::npos) return text;
    const char* what = text[at] == '\r'   ? "a carriage return (CR)"
                       : text[at] == '\n' ? "a line feed (LF)"
                                          : "a NUL byte";
    throw std::invalid_argument(std::string("holds ") + what + " at byte " +
                                std::to_string(at + 1) +
                                ", which would break the line framing (CR, LF and NUL are not "
                                "allowed)");
}

std::vector<std::string> split_list(std::string_view text, std::string_view expected) {
    std::vector<std::string> addresses;
    constexpr std::string_view kSeparators = ", \t\r\n";
    std::size_t pos = 0;
    while ((pos = text.find_first_not_of(kSeparators, pos)) != std::string_view::npos) {
        const auto end = std::min(text.find_first_of(kSeparators, pos), text.size());
        addresses.emplace_back(text.substr(pos, end - pos));
        pos = end;
    }
    if (addresses.empty()) {
        throw std::invalid_argument(quoted_excerpt(text) + " names no address (expected " +
                                    std::string(expected) +
                                    ", several separated by commas or spaces)");
    }
    return addresses;
}

void add_listen_addresses(std::vector<std::string>& into, std::string_view text) {
    for (auto& address : split_list(text, "HOST:PORT")) {
        try {
            (void)net::parse_endpoint(address);
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument(quoted_excerpt(address) + " " + e.what());
        }
        // Port 0 asks for a new port each time, so only a fixed address can be taken twice.
        if (std::ranges::find(into, address) != into.end() && !net::is_any_port(address))
            throw std::invalid_argument(quoted_excerpt(address) +
                                        " is given twice: one socket cannot be bound twice");
        into.push_back(std::move(address));
    }
}

// 4294967295 is -1, "no id", to the kernel, so it is not an id. Empty means none.
std::string account_name(std::string_view text) {
    const auto name = trim(text);
    if (!name.empty() && std::ranges::all_of(name, [](char c) { return c >= '0' && c <= '9'; })) {
        parse_whole(name, 0, 4'294'967'294);
        return std::string(name);
    }
    const bool odd_byte = std::ranges::any_of(name, [](char c) {
        return static_cast<unsigned char>(c) < 0x21 || c == 0x7f || c == ':' || c == '/' ||
               c == ',';
    });
    if (name.size() > 256 || name.starts_with('-') || odd_byte) {
        throw std::invalid_argument(quoted_excerpt(text) +
                                    " is neither a user or group name nor a numeric id");
    }
    return std::string(name);
}

// "all" gets its own sentence: nginx users write "deny all" after their allow rules, which here
// would refuse everybody, since deny wins.
std::vector<net::Cidr> parse_networks(std::string_view text, std::string_view all_hint) {
    std::vector<net::Cidr> networks;
    for (const auto& item : split_list(text, "an address or network, as 192.0.2.0/24")) {
        if (equals_ignoring_case(item, "all"))
            throw std::invalid_argument("'" + item +
                                        "' is not an address: " + std::string(all_hint));
        networks.push_back(net::Cidr::parse(item));
    }
    return networks;
}

std::vector<std::string> network_texts(const std::vector<net::Cidr>& networks) {
    std::vector<std::string> texts;
    for (const auto& network : networks)
        texts.push_back(network.to_string());
    return texts;
}

}  // namespace hellod
