#pragma once

// Takes a fuzz input apart: settings bytes from the front, then the rest, split into fields by a
// separator byte. Running out of input is not an error: missing bytes read as zero, so every
// input means something and short seeds stay short.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace hellod::fuzz {

class FuzzInput {
  public:
    FuzzInput(const std::uint8_t* data, std::size_t size)
        : rest_(reinterpret_cast<const char*>(data), size) {}

    std::uint8_t byte() {
        if (rest_.empty()) return 0;
        const auto b = static_cast<std::uint8_t>(rest_.front());
        rest_.remove_prefix(1);
        return b;
    }
    std::uint16_t u16() {
        const std::uint16_t high = byte();
        return static_cast<std::uint16_t>(high << 8 | byte());
    }
    // A limit such as max-line-bytes: half of the values are 1-64, where the edges are, the
    // other half reach up to 32768, past the stream's buffer sizes.
    std::size_t limit() {
        const std::uint16_t v = u16();
        return (v & 0x8000) != 0 ? 1 + (v & 0x7fffu) : 1 + (v & 0x3fu);
    }
    // The bytes up to the next `separator` (consumed, not returned), or all that is left.
    std::string_view field(char separator) {
        const auto at = rest_.find(separator);
        const std::string_view field = rest_.substr(0, at);
        rest_.remove_prefix(at == std::string_view::npos ? rest_.size() : at + 1);
        return field;
    }
    bool empty() const noexcept { return rest_.empty(); }
    std::string_view rest() const noexcept { return rest_; }

  private:
    std::string_view rest_;
};

// `text` cut at every `separator` ("" gives one empty field, "a\0" gives "a" and "").
inline std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> fields;
    for (;;) {
        const auto at = text.find(separator);
        fields.push_back(text.substr(0, at));
        if (at == std::string_view::npos) return fields;
        text.remove_prefix(at + 1);
    }
}

}  // namespace hellod::fuzz
