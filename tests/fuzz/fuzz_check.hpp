#pragma once

// What a fuzz target does when an invariant breaks: say which, then abort, so that libFuzzer
// records the input as a crash and the corpus driver fails its test.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace hellod::fuzz {

[[noreturn]] inline void invariant_failed(const char* file, int line, const char* condition,
                                          std::string_view detail) {
    std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, condition);
    if (!detail.empty())
        std::fprintf(stderr, "  %.*s\n", static_cast<int>(detail.size()), detail.data());
    std::fflush(stderr);
    std::abort();
}

// Shows bytes in a failure message: printable ASCII as is, everything else as \xHH.
inline std::string visible(std::string_view bytes, std::size_t max = 200) {
    std::string out;
    for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    if (bytes.size() > max) out += "... (" + std::to_string(bytes.size()) + " bytes)";
    return out;
}

}  // namespace hellod::fuzz

// FUZZ_CHECK(condition, detail): detail is any expression convertible to std::string_view, only
// evaluated when the condition fails.
#define FUZZ_CHECK(condition, detail)                                                 \
    do {                                                                              \
        if (!(condition))                                                             \
            ::hellod::fuzz::invariant_failed(__FILE__, __LINE__, #condition, detail); \
    } while (false)
