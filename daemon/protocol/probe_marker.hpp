#pragma once

#include <string_view>

// How a --probe session says that it is one: health checks come every few seconds from every
// container, and a server that logged them at info and counted them as traffic would drown its
// real sessions. The probe sends these bytes; the protocols recognise them (SessionResult::probe).
namespace hellod::protocol {

// The probe's line for greeting and timestamp, under either framing. SOH (Ctrl-A) on both sides,
// so that nobody types it by accident, yet a line to every protocol: no 0xFF (telnet), no CR or
// LF (framing), no space or tab at either end (trimming). 14 bytes: a max-line-bytes below that
// cannot carry it, and then the probe sends an ordinary line.
inline constexpr std::string_view probe_marker = "\x01hellod-probe\x01";

// What the probe sends an echo server, and all it sends: the marker, then enough to be longer
// than the busy and shutdown lines (so that an echo server that sends one of those instead of
// the bytes is told apart from one that echoes short).
inline constexpr std::string_view probe_echo_payload =
    "\x01hellod-probe\x01: the quick brown fox jumps over the lazy dog\r\n";

}  // namespace hellod::protocol
