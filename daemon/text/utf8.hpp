#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hellod {

struct Utf8Sequence {
    std::size_t length;        // 2 to 4 bytes
    std::uint32_t code_point;  // U+0080..U+10FFFF, never a surrogate
};

// The well-formed multi-byte UTF-8 sequence at the start of `bytes` (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF), or nullopt when there is none. ASCII is not asked about:
// callers handle single bytes themselves, and each has its own idea of which are safe.
std::optional<Utf8Sequence> utf8_sequence(std::string_view bytes);

}  // namespace hellod
