#pragma once

#include <chrono>
#include <cstdint>

namespace hellod_bench {

// Monotonic nanoseconds: every timestamp and deadline in the tool is one of these.
inline std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

inline std::int64_t seconds_to_ns(double s) {
    return static_cast<std::int64_t>(s * 1e9);
}

}  // namespace hellod_bench
