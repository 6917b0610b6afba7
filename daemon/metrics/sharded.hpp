#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace hellod::metrics {

// Counters that threads add to without sharing a cache line: each thread writes the shard it
// was given at its first use (round robin), and a scrape sums every shard. With thread per
// connection there are more threads than shards, but only as many run at once as there are
// cores, so two writers rarely meet on one line; and no add ever takes a lock.
inline constexpr std::size_t shard_count = 16;

// The calling thread's shard, fixed for its life.
std::size_t this_thread_shard() noexcept;

using Count = std::atomic<std::uint64_t>;

inline void add(Count& count, std::uint64_t n = 1) noexcept {
    count.fetch_add(n, std::memory_order_relaxed);
}

// `Cells` is a struct of Count (or arrays of them) that starts at zero.
template <typename Cells>
class Sharded {
  public:
    Cells& local() noexcept { return shards_[this_thread_shard()].cells; }

    // Sums one field over every shard: total([](const Cells& c) -> const Count& { ... }).
    template <typename Field>
    std::uint64_t total(Field field) const noexcept {
        std::uint64_t sum = 0;
        for (const auto& shard : shards_)
            sum += field(shard.cells).load(std::memory_order_relaxed);
        return sum;
    }

  private:
    // 64: the cache line of every x86-64 and most ARM cores. (std::hardware_destructive_
    // interference_size would tie the layout to the compiler's tuning flags.)
    struct alignas(64) Shard {
        Cells cells{};
    };
    std::array<Shard, shard_count> shards_{};
};

}  // namespace hellod::metrics
