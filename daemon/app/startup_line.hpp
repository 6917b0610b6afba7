#pragma once

#include <string>
#include <vector>

#include "config/settings.hpp"
#include "log/log.hpp"
#include "net/inherited_sockets.hpp"
#include "net/listener.hpp"

namespace hellod {

// The line a started daemon logs: its version, where it listens (and which sockets systemd
// passed, if any), and the settings an operator checks first.
// `metrics`: the bound addresses of the metrics endpoint, if any.
std::string startup_line(const Settings& settings, const std::vector<net::Listener>& listeners,
                         const net::InheritedSockets* inherited,
                         const std::vector<std::string>& metrics = {});

// The same values as json fields: version, listen (the bound addresses, comma-separated),
// systemd (whether the sockets came from systemd), protocol, framing, metrics, backlog (0: from
// systemd), max_connections, max_connections_per_ip (0: unlimited), allow_networks,
// deny_networks, proxy_protocol_from, idle_timeout (0: off), write_timeout, max_line_bytes,
// shutdown_timeout (seconds), config.
log::Fields startup_fields(const Settings& settings, const std::vector<net::Listener>& listeners,
                           const net::InheritedSockets* inherited,
                           const std::vector<std::string>& metrics = {});

}  // namespace hellod
