#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hellod::protocol {

// How a session ended, as the access log names it.
enum class EndReason { exit, eof, idle, busy, shutdown, error };
std::string_view to_string(EndReason reason);

struct SessionResult {
    EndReason reason = EndReason::eof;
    std::uint64_t lines = 0;           // lines (or messages) received
    std::string detail;                // for errors: what failed, e.g. "write timed out"
    std::uint64_t lines_too_long = 0;  // of those lines, the ones over max-line-bytes
    // A --probe health check (probe_marker.hpp): its first line was exactly the marker and
    // nothing but the exit command followed; for echo, all it sent was the probe's payload.
    bool probe = false;
};

}  // namespace hellod::protocol
