#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace hellod {

// Spaces and tabs: what the protocol trims from a line and the config dialect around a value.
inline constexpr std::string_view blanks = " \t";

// Inline: the protocol trims every line.
inline std::string_view trim_left(std::string_view text) {
    const auto start = text.find_first_not_of(blanks);
    return start == std::string_view::npos ? std::string_view{} : text.substr(start);
}
inline std::string_view trim_right(std::string_view text) {
    const auto end = text.find_last_not_of(blanks);
    return end == std::string_view::npos ? std::string_view{} : text.substr(0, end + 1);
}
inline std::string_view trim(std::string_view text) {
    return trim_right(trim_left(text));
}

// Not std::tolower: that follows the global locale, and the names compared are plain ASCII.
char ascii_lower(char c);
bool equals_ignoring_case(std::string_view a, std::string_view b);

// The items with `separator` between them: "a, b, c".
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

// strerror(error), as a string a log line or a sentence can hold.
std::string errno_text(int error);

// A duration as plain decimal seconds, exact to the millisecond and without trailing zeros:
// "30", "0.5", "86400.001". The form settings are written in, and read back from.
std::string seconds_text(std::chrono::milliseconds duration);

}  // namespace hellod
