#pragma once

#include <chrono>
#include <span>
#include <string>
#include <vector>

#include "config/environment.hpp"
#include "config/settings.hpp"

namespace hellod {

// What the command line asks for.
enum class Action { run, help, version, test_config, print_config, probe };

struct Invocation {
    Action action = Action::run;
    Settings settings;
    std::string help_text;     // filled for Action::help
    bool inetd = false;        // --inetd: one session on the socket on stdin, then exit
    std::string probe_target;  // --probe HOST:PORT; empty = the listen addresses
    std::chrono::milliseconds probe_timeout{5000};
    std::vector<std::string> warnings;  // e.g. unknown HELLOD_* variables; logged at start
    // "--listen" or "HELLOD_LISTEN" when this start's own command line or environment sets
    // listen (which socket activation would ignore); empty when the file or the default does.
    std::string listen_from;
};

// `args` is argv as main() received it (the program name first, then the arguments).
// Reads settings from, highest first: the command line, HELLOD_* environment variables, the
// config file (--config or HELLOD_CONFIG), defaults. Every value of every source is checked,
// even one a higher source overrides, so that --test-config finds what would fail on its own.
// Throws ConfigError with one sentence naming the option (and the file): usage (command line),
// invalid (config file or environment) or unreadable (the config file).
Invocation parse_invocation(std::span<const char* const> args, const Environment& env);

}  // namespace hellod
