#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config/environment.hpp"
#include "config/settings.hpp"
#include "log/log.hpp"

namespace hellod {

// What reading the settings again found; the caller logs it and puts it to use.
struct ReloadResult {
    // The settings for sessions that start from now on, or nullptr when the new ones are
    // invalid, in which case the running ones stay.
    std::shared_ptr<const Settings> next;
    std::string error;                  // why not, when next is nullptr
    std::vector<std::string> warnings;  // the sources' own, then what waits for a restart
    std::vector<std::string> changed;   // the settings that changed, in --help's order
    std::string summary;                // one line: "reloaded FILE: changed welcome; ..."
    log::Fields fields;                 // the summary's values: config, changed (comma-separated)
};

// SIGHUP: reads the settings again from the same command line, the environment and the config
// file. Settings that only a restart can change (listen, metrics-listen, udp-echo, user, group,
// run-as-root)
// keep their running values, with a warning. With `sockets_from_systemd` the listen setting is
// not in use, so a change to it goes unmentioned. Changes nothing itself, not even logging.
ReloadResult reload_settings(std::span<const char* const> args, const Environment& env,
                             const Settings& running, bool sockets_from_systemd = false);

}  // namespace hellod
