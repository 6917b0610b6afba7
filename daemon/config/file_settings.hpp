#pragma once

#include <string>
#include <vector>

#include "config/assignment.hpp"

namespace hellod {

// The settings in the config file at `path` (hellod's INI dialect, config_file.hpp), with
// "FILE:LINE: key" as each one's origin. Throws ConfigError: unreadable when the file cannot be
// read; invalid for a file over 1 MiB, a syntax error, or a key that is unknown, set twice, or
// not a setting (config, or a command-line option).
std::vector<Assignment> read_config_file(const std::string& path);

}  // namespace hellod
