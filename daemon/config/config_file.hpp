#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hellod {

struct ConfigEntry {
    std::string key;
    std::string value;
    int line = 0;  // 1-based, for error messages
};

// What parse_config_text throws. what() is "line N: <detail>"; line() and detail() let a caller
// that knows the file name say "FILE:N: <detail>" instead.
class ConfigSyntaxError : public std::invalid_argument {
  public:
    ConfigSyntaxError(int line, std::string_view detail);
    int line() const noexcept { return line_; }
    std::string_view detail() const noexcept { return std::string_view(what()).substr(offset_); }

  private:
    int line_;
    std::size_t offset_;  // where the detail starts in what(); kept so copies cannot throw
};

// Parses hellod's INI dialect: `key = value` lines; blank lines and lines whose first
// non-blank character is '#' or ';' are ignored; a value may be written in double quotes to keep
// leading/trailing spaces or a '#', with \" \\ \t escapes inside; otherwise the value is trimmed
// and a " #" starts a trailing comment. Sections are not used. Throws ConfigSyntaxError (a
// std::invalid_argument, "line N: ...") on a malformed line.
std::vector<ConfigEntry> parse_config_text(std::string_view text);

// Writes a value so that parse_config_text reads it back unchanged (quotes only when needed).
// Throws std::invalid_argument for a CR or LF, which the dialect cannot hold.
std::string quote_config_value(std::string_view value);

}  // namespace hellod
