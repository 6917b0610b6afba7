#pragma once

#include "io/stream.hpp"
#include "protocol/session_result.hpp"

namespace hellod::protocol {

// protocol = echo (RFC 862): every byte back, unchanged and in order, until the client closes.
// No welcome, no commands, no telnet processing; memory stays at the stream's two buffers
// however much flows through.
SessionResult run_echo(Stream& stream);

}  // namespace hellod::protocol
