#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "log/log_level.hpp"
#include "net/access_rules.hpp"
#include "protocol/options.hpp"

namespace hellod {

// Every setting, validated. Read once and never changed: a reload builds a new one.
struct Settings {
    std::vector<std::string> listen;  // HOST:PORT as written; empty = the built-in default
    protocol::Options session;  // what a session says and how it reads: the protocol's options
    int backlog = 511;
    std::size_t max_connections = 10000;
    std::size_t max_connections_per_ip = 0;           // 0 = unlimited
    AccessRules access;                               // allow and deny; empty = admit everyone
    std::chrono::milliseconds idle_timeout{300'000};  // 0 = none
    std::chrono::milliseconds write_timeout{30'000};
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

}  // namespace hellod
