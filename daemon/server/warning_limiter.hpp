#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace hellod {

// One warning per interval for a condition that recurs with every client while it lasts (out of
// descriptors, no thread to be had), so that a flood of clients costs the log one line, not one
// each; the next line says how many went unlogged. Time is passed in, so tests drive it with a
// clock of their own. Not thread-safe: the accept loop alone uses it.
class WarningLimiter {
  public:
    using Clock = std::chrono::steady_clock;
    explicit WarningLimiter(Clock::duration interval) : interval_(interval) {}

    // Notes one occurrence at `now`. Returns, when this one is to be logged, how many were not
    // logged since the previous line; nullopt when it is to be counted only.
    std::optional<std::uint64_t> occurred(Clock::time_point now) {
        if (ever_logged_ && now - logged_ < interval_) {
            ++unlogged_;
            return std::nullopt;
        }
        ever_logged_ = true;
        logged_ = now;
        return std::exchange(unlogged_, 0);
    }

  private:
    Clock::duration interval_;
    // A flag beside the time rather than an optional time: GCC 12 under ASan calls an optional
    // time point maybe-uninitialized here.
    bool ever_logged_ = false;
    Clock::time_point logged_{};
    std::uint64_t unlogged_ = 0;
};

// "; 72 more WHAT since the last such line" for a count of unlogged occurrences, "" for none.
inline std::string unlogged_suffix(std::uint64_t unlogged, std::string_view what) {
    if (unlogged == 0) return {};
    return "; " + std::to_string(unlogged) + " more " + std::string(what) +
           " since the last such line";
}

}  // namespace hellod
