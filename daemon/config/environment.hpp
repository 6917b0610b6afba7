#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/assignment.hpp"

namespace hellod {

// HELLOD_* variables (name -> value); other variables are never looked at.
using Environment = std::map<std::string, std::string>;
Environment current_environment();

// What the HELLOD_* variables say.
struct EnvironmentSettings {
    std::vector<Assignment> settings;   // one per variable that names a setting
    std::optional<std::string> config;  // HELLOD_CONFIG, unless empty ("no file")
    // Variables that name no setting: warnings, not errors, since Kubernetes defines HELLOD_PORT
    // and friends for a service called hellod, and that must not stop the daemon.
    std::vector<std::string> warnings;
};
EnvironmentSettings read_environment(const Environment& env);

// max-connections -> HELLOD_MAX_CONNECTIONS
std::string variable_name_of(std::string_view option);

}  // namespace hellod
