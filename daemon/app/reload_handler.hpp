#pragma once

#include <memory>
#include <span>

#include "config/environment.hpp"
#include "config/settings.hpp"

namespace hellod {

// The log level and format the settings ask for, in force from the next line. The one place
// they are set: at start-up and at each reload.
void use_log_settings(const Settings& settings);

// SIGHUP's whole step: the settings read again (config/reload), what that found logged, the
// logging settings put to use at once, and the settings for new sessions returned (nullptr:
// keep the running ones).
std::shared_ptr<const Settings> reload_and_report(std::span<const char* const> args,
                                                  const Environment& env, const Settings& running,
                                                  bool sockets_from_systemd);

}  // namespace hellod
