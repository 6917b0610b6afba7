#include "config/config_file.hpp"

#include <cstdio>

#include "text/escape.hpp"
#include "text/strings.hpp"

namespace hellod {

namespace {

[[noreturn]] void fail(int line, std::string_view detail) {
    throw ConfigSyntaxError(line, detail);
}

// The value after '=' when it starts with a double quote.
std::string parse_quoted(std::string_view rest, int line) {
    std::string value;
    for (std::size_t i = 1; i < rest.size(); ++i) {
        const char c = rest[i];
        if (c == '"') {
            const auto after = trim_left(rest.substr(i + 1));
            if (!after.empty() && after.front() != '#' && after.front() != ';') {
                fail(line, "unexpected text " + quoted_excerpt(after) +
                               " after the closing quote (only a # comment may follow)");
            }
            return value;
        }
        if (c != '\\') {
            value += c;
            continue;
        }
        if (++i == rest.size()) break;  // a backslash cannot escape the end of the line
        switch (rest[i]) {
            case '"':
                value += '"';
                break;
            case '\\':
                value += '\\';
                break;
            case 't':
                value += '\t';
                break;
            default:
                fail(line, "unknown escape " + quoted_excerpt(rest.substr(i - 1, 2)) +
                               " in a quoted value (use \\\" \\\\ or \\t)");
        }
    }
    fail(line, "unterminated quote (the closing \" must be on the same line)");
}

// The value after '=' when it is not quoted: trimmed, and cut at a '#' that starts the value or
// follows a blank, so that "reply = Item#%s" keeps its '#'.
std::string_view parse_unquoted(std::string_view rest) {
    for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == '#' && (i == 0 || rest[i - 1] == ' ' || rest[i - 1] == '\t')) {
            rest = rest.substr(0, i);
            break;
        }
    }
    return trim_right(rest);
}

}  // namespace

ConfigSyntaxError::ConfigSyntaxError(int line, std::string_view detail)
    : std::invalid_argument("line " + std::to_string(line) + ": " + std::string(detail)),
      line_(line),
      offset_(std::string_view(what()).size() - detail.size()) {}

std::vector<ConfigEntry> parse_config_text(std::string_view text) {
    // Editors on some systems start a UTF-8 file with a byte order mark; it is not a key.
    constexpr std::string_view kBom = "\xEF\xBB\xBF";
    if (text.starts_with(kBom)) text.remove_prefix(kBom.size());

    std::vector<ConfigEntry> entries;
    int line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const auto eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (line.ends_with('\r')) line.remove_suffix(1);  // files written on Windows

        line = trim_left(line);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        if (line.front() == '[') {
            fail(line_no, quoted_excerpt(trim_right(line)) +
                              " starts a section, but sections are not used (write the "
                              "settings without it)");
        }
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) {
            fail(line_no,
                 "expected 'name = value' but found no '=' in " + quoted_excerpt(trim_right(line)));
        }
        const auto key = trim(line.substr(0, eq));
        if (key.empty()) fail(line_no, "no setting name before the '='");

        const auto rest = trim_left(line.substr(eq + 1));
        ConfigEntry entry{std::string(key), {}, line_no};
        if (rest.starts_with('"')) {
            entry.value = parse_quoted(rest, line_no);
        } else {
            entry.value = parse_unquoted(rest);
        }
        entries.push_back(std::move(entry));
    }
    return entries;
}

std::string quote_config_value(std::string_view value) {
    if (value.find_first_of("\r\n") != std::string_view::npos) {
        throw std::invalid_argument("a config file value cannot hold a line break");
    }
    const bool needs_quotes =
        !value.empty() && (blanks.find(value.front()) != std::string_view::npos ||
                           blanks.find(value.back()) != std::string_view::npos ||
                           value.find_first_of("#;\"\\\t") != std::string_view::npos);
    if (!needs_quotes) return std::string(value);

    std::string out = "\"";
    for (const char c : value) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                out += c;
        }
    }
    out += '"';
    return out;
}

}  // namespace hellod
