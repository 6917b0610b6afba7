#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/settings.hpp"
#include "io/stream.hpp"

namespace hellod::protocol {

// How a session ended, as the access log names it.
enum class EndReason { exit, eof, idle, busy, shutdown, error };
std::string_view to_string(EndReason reason);

struct SessionResult {
    EndReason reason = EndReason::eof;
    std::uint64_t lines = 0;  // lines (or messages) received
    std::string detail;       // for errors: what failed, e.g. "write timed out"
};

// Runs the configured protocol over `stream` until the session ends. Never touches the socket
// except through the stream; never throws for anything a client does. `peer` names the client
// in log lines.
SessionResult run_session(Stream& stream, const Settings& settings, std::string_view peer);

// The protocol's fixed lines, shared by every protocol.
inline constexpr std::string_view crlf = "\r\n";
inline constexpr std::string_view idle_line = "Error: idle timeout\r\n";
inline constexpr std::string_view shutdown_line = "Error: server shutting down\r\n";
inline constexpr std::string_view busy_line = "Error: server busy, try again later\r\n";

}  // namespace hellod::protocol
