// SourceRateLimit: a token bucket per source address for the UDP echo, in a table that stays
// bounded under a flood from any number of addresses, and the drops counted for one log line a
// minute. Time is passed in.
#include "server/source_rate_limit.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

namespace hellod {
namespace {

using namespace std::chrono_literals;
using Clock = SourceRateLimit::Clock;

const Clock::time_point t0 = Clock::time_point{} + 1000h;

net::IpAddress source(std::uint32_t n) {
    return {net::IpFamily::v4, {std::uint64_t{n} << 32, 0}};
}

// How many of `count` datagrams from `from`, all at `at`, are allowed.
int allowed(SourceRateLimit& limit, const net::IpAddress& from, int count, Clock::time_point at) {
    int n = 0;
    for (int i = 0; i < count; ++i)
        n += limit.allow(from, at) ? 1 : 0;
    return n;
}

TEST(SourceRateLimit, ABurstOfRateThenRateASecond) {
    SourceRateLimit limit(100);
    EXPECT_EQ(allowed(limit, source(1), 1000, t0), 100);    // the burst: a full bucket
    EXPECT_EQ(allowed(limit, source(1), 10, t0 + 9ms), 0);  // not quite one token back yet
    EXPECT_EQ(allowed(limit, source(1), 10, t0 + 10ms), 1);
    EXPECT_EQ(allowed(limit, source(1), 1000, t0 + 510ms), 50);  // half a second: 50 more
    // A steady 1000 a second for 10 seconds: 100 of them a second are answered.
    int answered = 0;
    for (int ms = 1; ms <= 10'000; ++ms)
        answered += allowed(limit, source(1), 1, t0 + 510ms + ms * 1ms);
    EXPECT_EQ(answered, 1000);
    // Idle long enough, the bucket is full again, and no fuller.
    EXPECT_EQ(allowed(limit, source(1), 1000, t0 + 1h), 100);
}

TEST(SourceRateLimit, ARateOfOneAllowsOneASecond) {
    SourceRateLimit limit(1);
    EXPECT_EQ(allowed(limit, source(1), 5, t0), 1);
    EXPECT_EQ(allowed(limit, source(1), 5, t0 + 999ms), 0);
    EXPECT_EQ(allowed(limit, source(1), 5, t0 + 1s), 1);
}

TEST(SourceRateLimit, ZeroIsNoLimit) {
    SourceRateLimit limit(0);
    EXPECT_EQ(allowed(limit, source(1), 100'000, t0), 100'000);
    EXPECT_EQ(limit.tracked(), 0u);
    EXPECT_FALSE(limit.report(t0));
}

TEST(SourceRateLimit, SourcesHaveBucketsOfTheirOwn) {
    SourceRateLimit limit(10);
    EXPECT_EQ(allowed(limit, source(1), 50, t0), 10);
    EXPECT_EQ(allowed(limit, source(2), 50, t0), 10);
    const net::IpAddress v6{net::IpFamily::v6, {std::uint64_t{1} << 32, 0}};  // same bits, v6
    EXPECT_EQ(allowed(limit, v6, 50, t0), 10);
    EXPECT_EQ(limit.tracked(), 3u);
}

TEST(SourceRateLimit, SetRateStartsEveryBucketAgain) {
    SourceRateLimit limit(10);
    EXPECT_EQ(allowed(limit, source(1), 50, t0), 10);
    limit.set_rate(20);
    EXPECT_EQ(limit.rate(), 20u);
    EXPECT_EQ(allowed(limit, source(1), 50, t0), 20);
    limit.set_rate(0);
    EXPECT_EQ(allowed(limit, source(1), 50, t0), 50);
    // The drops counted before the change are still reported, with the rate of the latest.
    const auto report = limit.report(t0);
    ASSERT_TRUE(report);
    EXPECT_EQ(report->dropped, 70u);
    EXPECT_EQ(report->rate, 20u);
}

TEST(SourceRateLimit, AnIdleSourceWithAFullBucketMakesRoomForANewOne) {
    SourceRateLimit limit(10, 2);
    EXPECT_EQ(allowed(limit, source(1), 10, t0), 10);
    EXPECT_EQ(allowed(limit, source(2), 10, t0 + 500ms), 10);
    // Source 1, seen least recently, has a full bucket again a second after its burst.
    EXPECT_EQ(allowed(limit, source(3), 20, t0 + 1s), 10);
    EXPECT_EQ(limit.tracked(), 2u);
    // Source 2 is still tracked, its bucket still half empty.
    EXPECT_EQ(allowed(limit, source(2), 20, t0 + 1s), 5);
    // Source 1 was forgotten, so it starts with a full bucket, which it had anyway; the table
    // still holds 2: source 3 (seen before 2, at the same time) made room.
    EXPECT_EQ(allowed(limit, source(1), 20, t0 + 2s), 10);
    EXPECT_EQ(limit.tracked(), 2u);
}

TEST(SourceRateLimit, SourcesBeyondAFullTableShareOneBucket) {
    SourceRateLimit limit(10, 4);
    for (std::uint32_t n = 1; n <= 4; ++n)
        EXPECT_EQ(allowed(limit, source(n), 2, t0), 2);  // each bucket full again at t0 + 200ms
    // Every tracked source was seen within the last second, so none is forgotten: a thousand
    // new sources, each sending 5, get one bucket's worth between them.
    int answered = 0;
    for (std::uint32_t n = 100; n < 1100; ++n)
        answered += allowed(limit, source(n), 5, t0 + 100ms);
    EXPECT_EQ(answered, 10);
    EXPECT_EQ(limit.tracked(), 4u);
    // The tracked sources keep their own buckets meanwhile.
    EXPECT_EQ(allowed(limit, source(1), 20, t0 + 100ms), 9);
    const auto report = limit.report(t0 + 100ms);
    ASSERT_TRUE(report);
    EXPECT_EQ(report->dropped, 5000u - 10u + 11u);
    EXPECT_EQ(report->sources, 1u);  // source 1; the others are beyond the table
    EXPECT_EQ(report->untracked, 4990u);
}

TEST(SourceRateLimit, MemoryStaysBoundedUnderAFloodOfForgedAddresses) {
    SourceRateLimit limit(100, 64);
    std::uint64_t answered = 0;
    // A million addresses, a thousand a millisecond, each sending one datagram.
    for (std::uint32_t n = 0; n < 1'000'000; ++n) {
        answered += limit.allow(source(n), t0 + std::chrono::milliseconds(n / 1000)) ? 1 : 0;
        ASSERT_LE(limit.tracked(), 64u);
    }
    // Over a second: at most each slot's burst and refill, and the shared bucket's.
    EXPECT_LE(answered, (64u + 1u) * 100u * 2u);
}

TEST(SourceRateLimit, TheFirstDropIsReportedAtOnceThenOnceAMinute) {
    SourceRateLimit limit(1);
    EXPECT_FALSE(limit.next_report());
    EXPECT_TRUE(limit.allow(source(1), t0));
    EXPECT_FALSE(limit.report(t0));  // nothing dropped
    EXPECT_FALSE(limit.allow(source(1), t0));
    EXPECT_EQ(limit.next_report(), t0);
    const auto first = limit.report(t0);
    ASSERT_TRUE(first);
    EXPECT_TRUE(first->first);
    EXPECT_EQ(first->dropped, 1u);
    EXPECT_EQ(first->sources, 1u);
    EXPECT_EQ(first->rate, 1u);
    EXPECT_FALSE(limit.next_report());

    // Within the minute after that line: counted, not reported.
    EXPECT_FALSE(limit.allow(source(1), t0 + 1ms));
    EXPECT_TRUE(limit.allow(source(2), t0 + 2ms));
    EXPECT_FALSE(limit.allow(source(2), t0 + 2ms));
    EXPECT_TRUE(limit.allow(source(1), t0 + 30s));
    EXPECT_FALSE(limit.allow(source(1), t0 + 30s));
    EXPECT_FALSE(limit.report(t0 + 59'999ms));
    EXPECT_EQ(limit.next_report(), t0 + 60s);
    const auto minute = limit.report(t0 + 60s);
    ASSERT_TRUE(minute);
    EXPECT_FALSE(minute->first);
    EXPECT_EQ(minute->dropped, 3u);
    EXPECT_EQ(minute->sources, 2u);  // source 1 twice, counted once
    EXPECT_EQ(minute->untracked, 0u);

    // A drop in the minute after that line waits for the minute to end.
    EXPECT_TRUE(limit.allow(source(1), t0 + 60s));
    EXPECT_FALSE(limit.allow(source(1), t0 + 60s));
    EXPECT_FALSE(limit.report(t0 + 61s));
    const auto late = limit.report(t0 + 120s);
    ASSERT_TRUE(late);
    EXPECT_FALSE(late->first);
    EXPECT_EQ(late->dropped, 1u);

    // After a quiet minute, the next drop is a first one again, reported at once.
    EXPECT_TRUE(limit.allow(source(1), t0 + 10min));
    EXPECT_FALSE(limit.allow(source(1), t0 + 10min));
    const auto again = limit.report(t0 + 10min);
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->first);
    EXPECT_EQ(again->dropped, 1u);
}

TEST(SourceRateLimit, Lines) {
    SourceRateLimit::Report first;
    first.rate = 100;
    first.first = true;
    first.dropped = 1;
    first.sources = 1;
    EXPECT_EQ(rate_limit_line(first, "192.0.2.7:40000", 4096),
              "udp echo: dropped a datagram from 192.0.2.7:40000 over udp-echo-rate (100 a "
              "second); further drops are counted in one line a minute");
    first.sources = 0;
    first.untracked = 1;
    EXPECT_EQ(rate_limit_line(first, "192.0.2.7:40000", 4096),
              "udp echo: dropped a datagram from 192.0.2.7:40000 over udp-echo-rate (100 a "
              "second), which the sources beyond the 4096 tracked share; further drops are "
              "counted in one line a minute");

    SourceRateLimit::Report minute;
    minute.rate = 100;
    minute.dropped = 5321;
    minute.sources = 3;
    EXPECT_EQ(rate_limit_line(minute, "", 4096),
              "udp echo: dropped 5321 datagrams from 3 sources over udp-echo-rate (100 a "
              "second) in the last minute");
    minute.untracked = 200;
    EXPECT_EQ(rate_limit_line(minute, "", 4096),
              "udp echo: dropped 5321 datagrams from 3 sources over udp-echo-rate (100 a "
              "second) in the last minute, 200 of them from sources beyond the 4096 tracked, "
              "which share one limit");
    minute.sources = 0;
    minute.dropped = 200;
    EXPECT_EQ(rate_limit_line(minute, "", 4096),
              "udp echo: dropped 200 datagrams over udp-echo-rate (100 a second) in the last "
              "minute, all from sources beyond the 4096 tracked, which share one limit");

    SourceRateLimit::Report one;
    one.rate = 1;
    one.dropped = 1;
    one.sources = 1;
    EXPECT_EQ(rate_limit_line(one, "", 4096),
              "udp echo: dropped 1 datagram from 1 source over udp-echo-rate (1 a second) in "
              "the last minute");
    one.first = true;
    one.dropped = 2;
    EXPECT_EQ(rate_limit_line(one, "", 4096),
              "udp echo: dropped 2 datagrams from 1 source over udp-echo-rate (1 a second); "
              "further drops are counted in one line a minute");
}

}  // namespace
}  // namespace hellod
