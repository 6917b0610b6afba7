#include "metrics/sharded.hpp"

namespace hellod::metrics {

std::size_t this_thread_shard() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local const std::size_t shard =
        next.fetch_add(1, std::memory_order_relaxed) % shard_count;
    return shard;
}

}  // namespace hellod::metrics
