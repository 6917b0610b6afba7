#pragma once

#include <string_view>

#include "io/stream.hpp"
#include "protocol/options.hpp"
#include "protocol/session_result.hpp"

namespace hellod::protocol {

// Runs the configured protocol over `stream` until the session ends. Never touches the socket
// except through the stream; never throws for anything a client does. `peer` names the client
// in log lines.
SessionResult run_session(Stream& stream, const Options& options, std::string_view peer);

}  // namespace hellod::protocol
