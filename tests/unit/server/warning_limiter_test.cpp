// One warning per interval for a condition that recurs per client, with the count it left out.
#include "server/warning_limiter.hpp"

#include <gtest/gtest.h>

namespace hellod {
namespace {

using namespace std::chrono_literals;
using Clock = WarningLimiter::Clock;

TEST(WarningLimiter, TheFirstIsLoggedThenOneAnIntervalWithTheCount) {
    WarningLimiter limiter(10s);
    const Clock::time_point t0{};
    EXPECT_EQ(limiter.occurred(t0), 0u);
    for (int i = 1; i <= 72; ++i)
        EXPECT_EQ(limiter.occurred(t0 + i * 100ms), std::nullopt) << i;
    EXPECT_EQ(limiter.occurred(t0 + 10s), 72u);
    EXPECT_EQ(limiter.occurred(t0 + 10s + 1ms), std::nullopt);
    EXPECT_EQ(limiter.occurred(t0 + 60s), 1u);
    EXPECT_EQ(limiter.occurred(t0 + 120s), 0u);  // a quiet spell: nothing left out
}

TEST(WarningLimiter, Suffix) {
    EXPECT_EQ(unlogged_suffix(0, "clients turned away"), "");
    EXPECT_EQ(unlogged_suffix(72, "clients turned away"),
              "; 72 more clients turned away since the last such line");
}

}  // namespace
}  // namespace hellod
