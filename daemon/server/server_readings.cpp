// What the server reports of itself: the live counts systemd's STATUS shows, and the gauges a
// metrics scrape reads (from another thread: each is a lock-free atomic or takes its own lock).
#include "server/server.hpp"

namespace hellod {

ServerStatus Server::status() const {
    const auto counts = metrics_.snapshot();
    const auto refused = [&](Refusal reason) {
        return counts.refused[static_cast<std::size_t>(reason)];
    };
    return {table_.size(), accepted_,
            refused(Refusal::busy) + refused(Refusal::per_address) + refused(Refusal::descriptors) +
                refused(Refusal::threads),
            refused(Refusal::denied)};
}

Server::Gauges Server::gauges() const {
    return {.open = table_.size(),
            .max_connections = max_connections_.load(std::memory_order_relaxed),
            .workers_running = workers_.running(),
            .workers_parked = workers_.parked(),
            .workers_started = workers_.started(),
            .reloads_applied = reloads_applied_.load(std::memory_order_relaxed),
            .reloads_failed = reloads_failed_.load(std::memory_order_relaxed)};
}

}  // namespace hellod
