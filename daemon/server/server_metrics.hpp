#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "metrics/sharded.hpp"
#include "protocol/session_result.hpp"

namespace hellod {

// Why a connection was closed unserved, as hellod_connections_refused_total's reason label says.
enum class Refusal { busy, per_address, denied, proxy_header, descriptors, threads };
inline constexpr std::size_t refusal_count = 6;
std::string_view to_string(Refusal refusal);

inline constexpr std::size_t end_reason_count = 6;  // protocol::EndReason's values

// The upper bounds of hellod_session_duration_seconds' buckets: from a scripted exchange
// (milliseconds) to a telnet user who lingers (idle-timeout is 300 s by default).
inline constexpr std::array<double, 12> session_duration_bounds{0.001, 0.01, 0.1, 0.5, 1,   5,
                                                                10,    30,   60,  300, 900, 3600};

// What the server counts for Prometheus. Sessions add their lines and bytes once, as they end
// (with their access line, so the two always agree): nothing is counted per line, and the
// counts of sessions ending at once on many threads land in different shards. A --probe health
// check is counted apart and only as one probe session, so that the traffic's counts are real
// clients' (a container's health check every 30 s would otherwise be most of a quiet server's).
class ServerMetrics {
  public:
    struct Snapshot {
        std::uint64_t accepted = 0;
        std::array<std::uint64_t, refusal_count> refused{};
        std::array<std::uint64_t, end_reason_count> ended{};
        std::uint64_t lines = 0;
        std::uint64_t lines_too_long = 0;
        std::uint64_t bytes_received = 0;
        std::uint64_t bytes_sent = 0;
        std::array<std::uint64_t, session_duration_bounds.size() + 1> duration_buckets{};
        double duration_seconds = 0;
        std::uint64_t probe_sessions = 0;
    };

    // The accept loop's thread only: every connection accept(2) returned.
    void accepted(std::size_t n = 1) noexcept { metrics::add(accepted_, n); }
    void refused(Refusal refusal) noexcept;
    // Once per access line.
    void ended(const protocol::SessionResult& result, std::chrono::nanoseconds duration,
               std::uint64_t bytes_received, std::uint64_t bytes_sent) noexcept;
    // Once per probe session's access line, instead of ended().
    void probe_ended() noexcept;

    Snapshot snapshot() const noexcept;

  private:
    struct Cells {
        std::array<metrics::Count, refusal_count> refused;
        std::array<metrics::Count, end_reason_count> ended;
        metrics::Count lines, lines_too_long, bytes_received, bytes_sent;
        std::array<metrics::Count, session_duration_bounds.size() + 1> duration_buckets;
        metrics::Count duration_ns;
        metrics::Count probe_sessions;
    };
    metrics::Count accepted_{0};
    metrics::Sharded<Cells> cells_;
};

}  // namespace hellod
