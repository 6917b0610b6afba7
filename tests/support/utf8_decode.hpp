#pragma once

// Test oracles' UTF-8 decoder, written apart from daemon/text/utf8.cpp on purpose: the tests judge
// the daemon's output with it.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hellod::testing {

struct Utf8Char {
    std::uint32_t code_point;
    std::size_t length;  // 2 to 4 bytes
};

// The well-formed multi-byte sequence (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF) at the start of `text`, or nullopt.
inline std::optional<Utf8Char> decode_utf8(std::string_view text) {
    if (text.empty()) return std::nullopt;
    const auto b0 = static_cast<unsigned char>(text[0]);
    std::size_t length = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
        length = 2, cp = b0 & 0x1fu, min = 0x80;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
        length = 3, cp = b0 & 0x0fu, min = 0x800;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        length = 4, cp = b0 & 0x07u, min = 0x10000;
    } else {
        return std::nullopt;
    }
    if (text.size() < length) return std::nullopt;
    for (std::size_t i = 1; i < length; ++i) {
        const auto b = static_cast<unsigned char>(text[i]);
        if ((b & 0xc0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (b & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
    return Utf8Char{cp, length};
}

}  // namespace hellod::testing
