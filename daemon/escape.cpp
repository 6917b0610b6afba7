#include "escape.hpp"

#include <cstdint>

namespace hellod {
namespace {

void append_hex(std::string& out, unsigned char byte) {
    static constexpr char digits[] = "0123456789abcdef";
    out += "\\x";
    out += digits[byte >> 4];
    out += digits[byte & 0xf];
}

// Length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF), or 0 when it is not one.
std::size_t utf8_sequence(std::string_view s) {
    const auto b0 = static_cast<unsigned char>(s[0]);
    std::size_t length = 0;
    std::uint32_t min = 0;
    std::uint32_t cp = 0;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
        length = 2, min = 0x80, cp = b0 & 0x1fu;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
        length = 3, min = 0x800, cp = b0 & 0x0fu;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        length = 4, min = 0x10000, cp = b0 & 0x07u;
    } else {
        return 0;
    }
    if (s.size() < length) return 0;
    for (std::size_t i = 1; i < length; ++i) {
        const auto b = static_cast<unsigned char>(s[i]);
        if ((b & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    if (cp >= 0x80 && cp <= 0x9f) return 0;  // C1 controls: some terminals obey them
    return length;
}

// `quoting`: also escape backslash and double quote, so that a log parser can tell an escape
// from the client's own text; an error message for a person needs no such care.
void append_safe(std::string& out, std::string_view bytes, bool quoting) {
    out.reserve(out.size() + bytes.size());
    for (std::size_t i = 0; i < bytes.size();) {
        const auto byte = static_cast<unsigned char>(bytes[i]);
        if (byte >= 0x20 && byte < 0x7f) {
            if (quoting && (byte == '\\' || byte == '"')) out += '\\';
            out += static_cast<char>(byte);
            ++i;
        } else if (byte == '\t') {
            out += "\\t", ++i;
        } else if (byte == '\r') {
            out += "\\r", ++i;
        } else if (byte == '\n') {
            out += "\\n", ++i;
        } else if (const std::size_t n = byte >= 0x80 ? utf8_sequence(bytes.substr(i)) : 0; n) {
            out.append(bytes.substr(i, n));
            i += n;
        } else {
            append_hex(out, byte);
            ++i;
        }
    }
}

}  // namespace

void append_escaped(std::string& out, std::string_view bytes) {
    append_safe(out, bytes, true);
}

std::string escaped(std::string_view bytes) {
    std::string out;
    append_escaped(out, bytes);
    return out;
}

std::string quoted_excerpt(std::string_view text, std::size_t max) {
    std::string out = "'";
    append_safe(out, text.substr(0, max), false);
    if (text.size() > max) out += "...";
    out += '\'';
    return out;
}

}  // namespace hellod
