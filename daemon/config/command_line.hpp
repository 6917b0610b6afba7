#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/assignment.hpp"

namespace hellod {

// What the command line says: the options that are not settings, and the settings' values.
struct CommandLine {
    bool help = false;
    bool version = false;
    bool test_config = false;
    bool print_config = false;
    bool inetd = false;
    std::optional<std::string> probe;          // --probe [HOST:PORT]; empty = the listen addresses
    std::optional<std::string> probe_timeout;  // as written
    std::optional<std::string> config;         // --config FILE
    std::vector<Assignment> settings;          // in the order given
};

// Parses argv as main() received it (the program name first) with Boost.Program_Options, which
// only this file includes. Throws ConfigError(usage) for an unknown option, a missing value, a
// stray argument, or a setting given twice that does not repeat. The values themselves are not
// checked here.
CommandLine parse_command_line(std::span<const char* const> args);

// --help's text: every option and setting, with its default.
std::string help_text();

// Whether `name` is an option of the command line alone (--config, --probe, ...), for the
// sentence that refuses it in the environment or a config file.
bool is_command_line_option(std::string_view name);

}  // namespace hellod
