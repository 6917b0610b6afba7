#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "log/log_level.hpp"
#include "net/access_rules.hpp"
#include "protocol/reply_template.hpp"

namespace hellod {

enum class Protocol { greeting, echo, timestamp };
enum class Framing { line, raw };

// Every setting, validated. Read once and never changed: a reload builds a new one.
struct Settings {
    std::vector<std::string> listen;  // HOST:PORT as written; empty = the built-in default
    Protocol protocol = Protocol::greeting;
    Framing framing = Framing::line;
    std::string welcome = "Welcome!";
    ReplyTemplate reply;
    std::string exit_command = "exit";
    std::string farewell = "Bye!";
    int backlog = 511;
    std::size_t max_connections = 10000;
    std::size_t max_connections_per_ip = 0;           // 0 = unlimited
    AccessRules access;                               // allow and deny; empty = admit everyone
    std::chrono::milliseconds idle_timeout{300'000};  // 0 = none
    std::chrono::milliseconds write_timeout{30'000};
    std::size_t max_line_bytes = 1024;
    std::chrono::milliseconds shutdown_timeout{5'000};
    bool udp_echo = false;
    bool resolve_peers = false;  // name confirmed peers in the access log (double DNS check)
    LogLevel log_level = LogLevel::info;
    LogFormat log_format = LogFormat::text;
    // Least privilege: who to serve as once the sockets are bound (a name or a numeric id;
    // empty = stay as started), and the explicit consent to serve as root without --user.
    std::string user;
    std::string group;  // empty = the user's primary group
    bool run_as_root = false;
    std::string config_file;  // the file these came from, empty if none

    bool operator==(const Settings&) const = default;
};

// The names settings use: "greeting", "timestamp", "echo".
std::string_view to_string(Protocol protocol);

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
};

// HELLOD_* variables (name -> value); other variables are never looked at.
using Environment = std::map<std::string, std::string>;
Environment current_environment();

// `args` is argv as main() received it (the program name first, then the arguments).
// Reads settings from, highest first: the command line, HELLOD_* environment variables, the
// config file (--config or HELLOD_CONFIG), defaults. Throws ConfigError with one sentence naming
// the option (and the file): usage (command line), invalid (config file or environment) or
// unreadable (the config file).
Invocation parse_invocation(std::span<const char* const> args, const Environment& env);

// The settings as an INI file that parse_invocation reads back to the same settings.
std::string to_ini(const Settings& settings);

// The names of the settings that differ between `before` and `after`, in --help order.
std::vector<std::string> changed_settings(const Settings& before, const Settings& after);

}  // namespace hellod
