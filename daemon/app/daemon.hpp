#pragma once

#include <optional>
#include <span>

#include "config/invocation.hpp"
#include "net/inherited_sockets.hpp"

namespace hellod {

// The daemon's run: logging, the listeners (its own, or the sockets systemd passed), the drop
// of root, the UDP echo service, the server, reloads on SIGHUP; serves until SIGTERM or SIGINT
// and returns 0 once every session has been drained. `args` is argv, read again at each reload.
int run_daemon(const Invocation& invocation, std::span<const char* const> args,
               std::optional<net::InheritedSockets> inherited);

}  // namespace hellod
