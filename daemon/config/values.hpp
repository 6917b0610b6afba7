#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/cidr.hpp"
#include "text/escape.hpp"
#include "text/strings.hpp"

// The parsers of setting values. Each reads one value as written and throws
// std::invalid_argument with a fragment that follows "<option>: " ("'x' is not a whole number
// from 1 to 65535"), which the caller completes with the option's name and source.
namespace hellod {

// The longest timeout, a year: beyond that a timeout is a typo.
inline constexpr std::int64_t max_seconds = 86'400 * 365;

std::uint64_t parse_whole(std::string_view text, std::uint64_t low, std::uint64_t high);

// Plain decimal seconds ("30", "0.5"), rounded to the nearest millisecond. `zero_refusal` says
// why 0 is not allowed, or is null when it is.
std::chrono::milliseconds parse_seconds(std::string_view text, const char* zero_refusal = nullptr);

// true/false, yes/no, on/off, 1/0, in any case.
bool parse_bool(std::string_view text);

// One of `choices` by name, in any case.
template <typename Enum, std::size_t N>
Enum parse_choice(std::string_view text,
                  const std::array<std::pair<std::string_view, Enum>, N>& choices) {
    const auto s = trim(text);
    std::string names;
    for (const auto& [name, value] : choices) {
        if (equals_ignoring_case(s, name)) return value;
        names += names.empty() ? "" : ", ";
        names += name;
    }
    throw std::invalid_argument(quoted_excerpt(text) + " is not one of " + names);
}

template <typename Enum, std::size_t N>
std::string_view choice_name(Enum value,
                             const std::array<std::pair<std::string_view, Enum>, N>& choices) {
    for (const auto& [name, v] : choices) {
        if (v == value) return name;
    }
    return {};
}

// The texts sent to clients become lines of the protocol, so they must not carry the bytes
// that end or corrupt a line: returns `text`, or throws for a CR, LF or NUL.
std::string_view line_safe(std::string_view text);

// The items in one value of a repeatable setting: "a:1, [::1]:2" names two. `expected` says
// what an item looks like, for the error when there is none.
std::vector<std::string> split_list(std::string_view text, std::string_view expected);

// Adds the listen addresses in one value to `into`, each checked for form (HOST:PORT, a port
// in range; names are resolved only at start) and for being given once. Throws
// std::invalid_argument naming the address.
void add_listen_addresses(std::vector<std::string>& into, std::string_view text);

// --user and --group as written: a name, or a numeric id. Only the form is checked here;
// whether they exist is asked at start-up (os/identity), which --test-config also does.
std::string account_name(std::string_view text);

// The networks in one allow or deny value; `all_hint` is the sentence for the word "all".
std::vector<net::Cidr> parse_networks(std::string_view text, std::string_view all_hint);
std::vector<std::string> network_texts(const std::vector<net::Cidr>& networks);

}  // namespace hellod
