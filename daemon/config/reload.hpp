#pragma once

#include <memory>
#include <span>

#include "config/environment.hpp"
#include "config/settings.hpp"

namespace hellod {

// SIGHUP: reads the settings again from the same command line, the environment and the config
// file, and returns what the running daemon is to use for sessions that start from now on; or
// nullptr when the new settings are invalid, in which case the running ones stay. Settings
// that only a restart can change (listen, udp-echo, user, group, run-as-root) keep their
// running values, with a warning.
// Logs one line saying what changed, or why nothing did. With `sockets_from_systemd` the
// listen setting is not in use, so a change to it goes unmentioned.
std::shared_ptr<const Settings> reload_settings(std::span<const char* const> args,
                                                const Environment& env, const Settings& running,
                                                bool sockets_from_systemd = false);

}  // namespace hellod
