// What the server counts: refusals by reason, sessions by how they ended, their lines, bytes and
// durations, summed over the shards the threads wrote.
#include "server/server_metrics.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace hellod {
namespace {

using namespace std::chrono_literals;
using protocol::EndReason;

TEST(ServerMetrics, CountsSessionsByHowTheyEnded) {
    ServerMetrics metrics;
    metrics.ended({EndReason::exit, 3, {}, 1}, 2ms, 40, 70);
    metrics.ended({EndReason::exit, 1, {}, 0}, 20ms, 5, 9);
    metrics.ended({EndReason::idle, 0, {}, 0}, 400s, 0, 12);
    const auto s = metrics.snapshot();
    EXPECT_EQ(s.ended[static_cast<std::size_t>(EndReason::exit)], 2u);
    EXPECT_EQ(s.ended[static_cast<std::size_t>(EndReason::idle)], 1u);
    EXPECT_EQ(s.ended[static_cast<std::size_t>(EndReason::error)], 0u);
    EXPECT_EQ(s.lines, 4u);
    EXPECT_EQ(s.lines_too_long, 1u);
    EXPECT_EQ(s.bytes_received, 45u);
    EXPECT_EQ(s.bytes_sent, 91u);
    EXPECT_DOUBLE_EQ(s.duration_seconds, 400.022);
}

// A health check is counted as one probe session and in nothing that counts the traffic.
TEST(ServerMetrics, ProbeSessionsAreCountedApart) {
    ServerMetrics metrics;
    metrics.ended({EndReason::exit, 2, {}, 0}, 2ms, 10, 20);
    metrics.probe_ended();
    metrics.probe_ended();
    const auto s = metrics.snapshot();
    EXPECT_EQ(s.probe_sessions, 2u);
    EXPECT_EQ(s.ended[static_cast<std::size_t>(EndReason::exit)], 1u);
    EXPECT_EQ(s.lines, 2u);
    EXPECT_EQ(s.bytes_received, 10u);
    std::uint64_t durations = 0;
    for (const auto n : s.duration_buckets)
        durations += n;
    EXPECT_EQ(durations, 1u);
}

TEST(ServerMetrics, DurationsFallInTheFirstBucketThatHoldsThem) {
    ServerMetrics metrics;
    const protocol::SessionResult eof{EndReason::eof, 0, {}, 0};
    metrics.ended(eof, 0ms, 0, 0);    // le 0.001
    metrics.ended(eof, 1ms, 0, 0);    // le 0.001: the bound is inclusive
    metrics.ended(eof, 2ms, 0, 0);    // le 0.01
    metrics.ended(eof, 1s, 0, 0);     // le 1
    metrics.ended(eof, 7200s, 0, 0);  // above 3600: +Inf
    const auto s = metrics.snapshot();
    EXPECT_EQ(s.duration_buckets[0], 2u);
    EXPECT_EQ(s.duration_buckets[1], 1u);
    EXPECT_EQ(s.duration_buckets[4], 1u);  // 0.001 0.01 0.1 0.5 [1]
    EXPECT_EQ(s.duration_buckets.back(), 1u);
    std::uint64_t total = 0;
    for (const auto n : s.duration_buckets)
        total += n;
    EXPECT_EQ(total, 5u);
}

TEST(ServerMetrics, CountsRefusalsByReasonAndAccepts) {
    ServerMetrics metrics;
    metrics.accepted();
    metrics.accepted(2);
    metrics.refused(Refusal::denied);
    metrics.refused(Refusal::denied);
    metrics.refused(Refusal::proxy_header);
    const auto s = metrics.snapshot();
    EXPECT_EQ(s.accepted, 3u);
    EXPECT_EQ(s.refused[static_cast<std::size_t>(Refusal::denied)], 2u);
    EXPECT_EQ(s.refused[static_cast<std::size_t>(Refusal::proxy_header)], 1u);
    EXPECT_EQ(s.refused[static_cast<std::size_t>(Refusal::busy)], 0u);
}

TEST(ServerMetrics, SessionsEndingOnManyThreadsAreAllCounted) {
    ServerMetrics metrics;
    std::vector<std::thread> workers;
    for (int t = 0; t < 50; ++t) {
        workers.emplace_back([&metrics] {
            for (int i = 0; i < 200; ++i)
                metrics.ended({EndReason::eof, 2, {}, 0}, 1ms, 10, 20);
        });
    }
    for (auto& worker : workers)
        worker.join();
    const auto s = metrics.snapshot();
    EXPECT_EQ(s.ended[static_cast<std::size_t>(EndReason::eof)], 10'000u);
    EXPECT_EQ(s.lines, 20'000u);
    EXPECT_EQ(s.bytes_received, 100'000u);
    EXPECT_EQ(s.bytes_sent, 200'000u);
}

TEST(ServerMetrics, ReasonsAreTheLabelValues) {
    EXPECT_EQ(to_string(Refusal::busy), "busy");
    EXPECT_EQ(to_string(Refusal::per_address), "per_address");
    EXPECT_EQ(to_string(Refusal::denied), "denied");
    EXPECT_EQ(to_string(Refusal::proxy_header), "proxy_header");
    EXPECT_EQ(to_string(Refusal::descriptors), "descriptors");
    EXPECT_EQ(to_string(Refusal::threads), "threads");
}

}  // namespace
}  // namespace hellod
