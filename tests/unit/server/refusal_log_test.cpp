// RefusalLog: one line per refused peer a minute, with the count of what went unlogged, in a
// table that stays bounded under a flood from any number of addresses. Time is passed in.
#include "server/refusal_log.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>

namespace hellod {
namespace {

using namespace std::chrono_literals;
using Clock = RefusalLog::Clock;

const Clock::time_point t0 = Clock::time_point{} + 1000h;

net::IpAddress peer(std::uint32_t n) {
    return {net::IpFamily::v4, {std::uint64_t{n} << 32, 0}};
}

TEST(RefusalLog, OneLineAMinutePerPeerCountingWhatWasNotLogged) {
    RefusalLog log;
    const auto first = log.refused(peer(1), t0);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->level, LogLevel::info);
    EXPECT_EQ(first->unlogged, 0u);
    EXPECT_FALSE(first->shared);
    for (int i = 0; i < 4; ++i)
        EXPECT_FALSE(log.refused(peer(1), t0 + 1s + i * 10s));
    EXPECT_FALSE(log.refused(peer(1), t0 + 59'999ms));  // the 5th unlogged one
    const auto next = log.refused(peer(1), t0 + 60s);
    ASSERT_TRUE(next);
    EXPECT_EQ(next->unlogged, 5u);
    EXPECT_FALSE(log.refused(peer(1), t0 + 61s));  // the window starts again at the new line
    const auto later = log.refused(peer(1), t0 + 10min);
    ASSERT_TRUE(later);
    EXPECT_EQ(later->unlogged, 1u);
    EXPECT_EQ(log.tracked(), 1u);
}

TEST(RefusalLog, PeersAreCountedSeparately) {
    RefusalLog log;
    EXPECT_TRUE(log.refused(peer(1), t0));
    EXPECT_TRUE(log.refused(peer(2), t0 + 1s));
    EXPECT_FALSE(log.refused(peer(1), t0 + 2s));
    EXPECT_FALSE(log.refused(peer(2), t0 + 2s));
    const net::IpAddress v6{net::IpFamily::v6, {std::uint64_t{1} << 32, 0}};  // same bits, v6
    EXPECT_TRUE(log.refused(v6, t0 + 2s));
    EXPECT_EQ(log.refused(peer(1), t0 + 60s)->unlogged, 1u);
    EXPECT_FALSE(log.refused(peer(2), t0 + 60s));  // its minute is not over yet
    EXPECT_EQ(log.tracked(), 3u);
}

TEST(RefusalLog, ANewPeerTakesThePlaceOfTheOldestExpiredOne) {
    RefusalLog log(2);
    EXPECT_TRUE(log.refused(peer(1), t0));
    EXPECT_TRUE(log.refused(peer(2), t0 + 30s));
    EXPECT_TRUE(log.refused(peer(3), t0 + 60s));  // peer 1's line is a minute old: replaced
    EXPECT_EQ(log.tracked(), 2u);
    EXPECT_FALSE(log.refused(peer(2), t0 + 61s));  // still tracked, in its window
    // Peer 1 lost its place, so it is new again: logged, its old count forgotten.
    EXPECT_TRUE(log.refused(peer(1), t0 + 90s));
    EXPECT_FALSE(log.refused(peer(3), t0 + 91s));
}

TEST(RefusalLog, WhenFullNewPeersShareOneWarningLineAMinute) {
    RefusalLog log(3);
    for (std::uint32_t n = 1; n <= 3; ++n)
        EXPECT_TRUE(log.refused(peer(n), t0));
    const auto shared = log.refused(peer(4), t0 + 1s);
    ASSERT_TRUE(shared);
    EXPECT_TRUE(shared->shared);
    EXPECT_EQ(shared->level, LogLevel::warning);
    EXPECT_EQ(shared->unlogged, 0u);
    // A thousand more peers within the minute: no line, no entry.
    for (std::uint32_t n = 5; n < 1005; ++n)
        EXPECT_FALSE(log.refused(peer(n), t0 + 2s));
    EXPECT_EQ(log.tracked(), 3u);
    EXPECT_FALSE(log.refused(peer(4), t0 + 3s));  // one more of the untracked
    // The tracked peers log again after their minute, and keep their places.
    for (std::uint32_t n = 1; n <= 3; ++n)
        EXPECT_TRUE(log.refused(peer(n), t0 + 61s));
    const auto next = log.refused(peer(2000), t0 + 62s);
    ASSERT_TRUE(next);
    EXPECT_TRUE(next->shared);
    EXPECT_EQ(next->unlogged, 1001u);
}

// A long flood from random addresses of a large range: the table never holds more than its
// capacity, and no stretch of a minute gets more than capacity + 1 lines.
TEST(RefusalLog, AFloodFromManyAddressesStaysBounded) {
    constexpr std::size_t capacity = 16;
    RefusalLog log(capacity);
    std::mt19937 random(7);
    std::uniform_int_distribution<std::uint32_t> address(0, 99'999);
    std::deque<Clock::time_point> recent;  // lines within the last minute
    std::size_t lines = 0;
    std::size_t most_in_a_minute = 0;
    for (int i = 0; i < 300'000; ++i) {
        const auto now = t0 + i * 1ms;  // 1000 refusals a second for 5 minutes
        if (!log.refused(peer(address(random)), now)) continue;
        ++lines;
        recent.push_back(now);
        while (now - recent.front() >= RefusalLog::window)
            recent.pop_front();
        most_in_a_minute = std::max(most_in_a_minute, recent.size());
        ASSERT_LE(log.tracked(), capacity);
    }
    EXPECT_LE(most_in_a_minute, capacity + 1);
    EXPECT_GE(lines, 5 * capacity);  // and it did go on logging: each minute, every place
}

TEST(RefusalLog, Lines) {
    RefusalLog::Report first;
    EXPECT_EQ(refusal_line("192.0.2.7", "deny 192.0.2.0/24", first, 1024),
              "refused 192.0.2.7 (deny 192.0.2.0/24)");
    RefusalLog::Report again;
    again.unlogged = 4;
    EXPECT_EQ(refusal_line("[2001:db8::1]", "no allow rule matches", again, 1024),
              "refused [2001:db8::1] (no allow rule matches); 4 refusals of this peer not logged "
              "since its last line");
    again.unlogged = 1;
    EXPECT_EQ(refusal_line("192.0.2.7", "deny 192.0.2.0/24", again, 1024),
              "refused 192.0.2.7 (deny 192.0.2.0/24); 1 refusal of this peer not logged since its "
              "last line");
    RefusalLog::Report shared;
    shared.shared = true;
    shared.level = LogLevel::warning;
    EXPECT_EQ(refusal_line("203.0.113.9", "deny 203.0.113.0/24", shared, 1024),
              "refused 203.0.113.9 (deny 203.0.113.0/24); 1024 peers were logged in the last "
              "minute, so refusals of further peers are logged once a minute");
    shared.unlogged = 5321;
    EXPECT_EQ(refusal_line("203.0.113.9", "deny 203.0.113.0/24", shared, 1024),
              "refused 203.0.113.9 (deny 203.0.113.0/24); 1024 peers were logged in the last "
              "minute, so refusals of further peers are logged once a minute (5321 not logged "
              "since the last such line)");
}

}  // namespace
}  // namespace hellod
