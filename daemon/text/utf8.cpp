#include "text/utf8.hpp"

namespace hellod {

std::optional<Utf8Sequence> utf8_sequence(std::string_view bytes) {
    if (bytes.empty()) return std::nullopt;
    const auto b0 = static_cast<unsigned char>(bytes[0]);
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
        return std::nullopt;
    }
    if (bytes.size() < length) return std::nullopt;
    for (std::size_t i = 1; i < length; ++i) {
        const auto b = static_cast<unsigned char>(bytes[i]);
        if ((b & 0xc0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (b & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
    return Utf8Sequence{length, cp};
}

}  // namespace hellod
