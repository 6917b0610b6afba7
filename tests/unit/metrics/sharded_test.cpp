// Sharded counters: every add lands in some shard, and the sum sees them all.
#include "metrics/sharded.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace hellod::metrics {
namespace {

struct Cells {
    Count a;
    Count b;
};

TEST(Sharded, TheSumSeesEveryThreadsAdds) {
    Sharded<Cells> counts;
    std::vector<std::thread> threads;
    for (int t = 0; t < 40; ++t) {
        threads.emplace_back([&counts] {
            for (int i = 0; i < 1000; ++i)
                add(counts.local().a);
            add(counts.local().b, 7);
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(counts.total([](const Cells& c) -> const Count& { return c.a; }), 40'000u);
    EXPECT_EQ(counts.total([](const Cells& c) -> const Count& { return c.b; }), 280u);
}

TEST(Sharded, AThreadKeepsItsShardAndThreadsSpreadOverShards) {
    EXPECT_EQ(this_thread_shard(), this_thread_shard());
    std::set<std::size_t> seen;
    for (std::size_t t = 0; t < shard_count; ++t) {
        std::size_t shard = shard_count;
        std::thread([&shard] { shard = this_thread_shard(); }).join();
        ASSERT_LT(shard, shard_count);
        seen.insert(shard);
    }
    // Round robin: shard_count threads in a row take shard_count different shards.
    EXPECT_EQ(seen.size(), shard_count);
}

TEST(Sharded, ShardsSitOnCacheLinesOfTheirOwn) {
    Sharded<Cells> counts;
    Cells& mine = counts.local();
    Cells* other = nullptr;
    std::thread([&] { other = &counts.local(); }).join();
    const auto distance =
        reinterpret_cast<std::uintptr_t>(other) > reinterpret_cast<std::uintptr_t>(&mine)
            ? reinterpret_cast<std::uintptr_t>(other) - reinterpret_cast<std::uintptr_t>(&mine)
            : reinterpret_cast<std::uintptr_t>(&mine) - reinterpret_cast<std::uintptr_t>(other);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&mine) % 64, 0u);
    EXPECT_GE(distance, 64u);
}

}  // namespace
}  // namespace hellod::metrics
