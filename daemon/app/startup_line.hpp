#pragma once

#include <string>
#include <vector>

#include "config/settings.hpp"
#include "net/inherited_sockets.hpp"
#include "net/listener.hpp"

namespace hellod {

// The line a started daemon logs: its version, where it listens (and which sockets systemd
// passed, if any), and the settings an operator checks first.
// `metrics`: the bound addresses of the metrics endpoint, if any.
std::string startup_line(const Settings& settings, const std::vector<net::Listener>& listeners,
                         const net::InheritedSockets* inherited,
                         const std::vector<std::string>& metrics = {});

}  // namespace hellod
