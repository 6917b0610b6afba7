#include "server/server_metrics.hpp"

#include <algorithm>

namespace hellod {

std::string_view to_string(Refusal refusal) {
    switch (refusal) {
        case Refusal::busy:
            return "busy";
        case Refusal::per_address:
            return "per_address";
        case Refusal::denied:
            return "denied";
        case Refusal::proxy_header:
            return "proxy_header";
        case Refusal::descriptors:
            return "descriptors";
        case Refusal::threads:
            return "threads";
    }
    return "busy";
}

void ServerMetrics::refused(Refusal refusal) noexcept {
    metrics::add(cells_.local().refused[static_cast<std::size_t>(refusal)]);
}

void ServerMetrics::ended(const protocol::SessionResult& result, std::chrono::nanoseconds duration,
                          std::uint64_t bytes_received, std::uint64_t bytes_sent) noexcept {
    Cells& cells = cells_.local();
    metrics::add(cells.ended[static_cast<std::size_t>(result.reason)]);
    metrics::add(cells.lines, result.lines);
    if (result.lines_too_long != 0) metrics::add(cells.lines_too_long, result.lines_too_long);
    metrics::add(cells.bytes_received, bytes_received);
    metrics::add(cells.bytes_sent, bytes_sent);
    const double seconds = std::chrono::duration<double>(duration).count();
    const auto bucket = static_cast<std::size_t>(
        std::lower_bound(session_duration_bounds.begin(), session_duration_bounds.end(), seconds) -
        session_duration_bounds.begin());
    metrics::add(cells.duration_buckets[bucket]);
    metrics::add(cells.duration_ns,
                 static_cast<std::uint64_t>(std::max<std::int64_t>(duration.count(), 0)));
}

void ServerMetrics::probe_ended() noexcept {
    metrics::add(cells_.local().probe_sessions);
}

ServerMetrics::Snapshot ServerMetrics::snapshot() const noexcept {
    Snapshot s;
    s.accepted = accepted_.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < refusal_count; ++i)
        s.refused[i] =
            cells_.total([i](const Cells& c) -> const metrics::Count& { return c.refused[i]; });
    for (std::size_t i = 0; i < end_reason_count; ++i)
        s.ended[i] =
            cells_.total([i](const Cells& c) -> const metrics::Count& { return c.ended[i]; });
    s.lines = cells_.total([](const Cells& c) -> const metrics::Count& { return c.lines; });
    s.lines_too_long =
        cells_.total([](const Cells& c) -> const metrics::Count& { return c.lines_too_long; });
    s.bytes_received =
        cells_.total([](const Cells& c) -> const metrics::Count& { return c.bytes_received; });
    s.bytes_sent =
        cells_.total([](const Cells& c) -> const metrics::Count& { return c.bytes_sent; });
    for (std::size_t i = 0; i < s.duration_buckets.size(); ++i)
        s.duration_buckets[i] = cells_.total(
            [i](const Cells& c) -> const metrics::Count& { return c.duration_buckets[i]; });
    s.duration_seconds =
        static_cast<double>(
            cells_.total([](const Cells& c) -> const metrics::Count& { return c.duration_ns; })) /
        1e9;
    s.probe_sessions =
        cells_.total([](const Cells& c) -> const metrics::Count& { return c.probe_sessions; });
    return s;
}

}  // namespace hellod
