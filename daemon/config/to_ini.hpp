#pragma once

#include <string>

#include "config/settings.hpp"

namespace hellod {

// The settings as a config file (every key, in --help's order) that parse_invocation reads back
// to the same settings: what --print-config prints.
std::string to_ini(const Settings& settings);

}  // namespace hellod
