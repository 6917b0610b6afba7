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
    std::vector<std::string> listen;          // HOST:PORT as written; empty = the built-in default
    std::vector<std::string> metrics_listen;  // HOST:PORT of the Prometheus endpoint; empty = off
    protocol::Options session;  // what a session says and how it reads: the protocol's options
    int backlog = 511;
    std::size_t max_connections = 10000;
    // 0 = unlimited. 64 by default, so that one address cannot take the daemon from everyone
    // else: at the default max-connections that is 0.64% of the slots, so filling them takes
    // 157 addresses, while 64 sessions at once is more than a person, a script or an office
    // behind one NAT address needs of a greeting service. A load balancer's address needs
    // more (or proxy-protocol-from, once it exists).
    std::size_t max_connections_per_ip = 64;
    AccessRules access;  // allow and deny; empty = admit everyone
    // The load balancers whose connections begin with a PROXY protocol header naming the client;
    // empty = none (connections from anywhere are served as they come).
    std::vector<net::Cidr> proxy_protocol_from;
    std::chrono::milliseconds proxy_header_timeout{5'000};
    std::chrono::milliseconds idle_timeout{300'000};  // 0 = none
    std::chrono::milliseconds write_timeout{30'000};
    std::chrono::milliseconds shutdown_timeout{5'000};
    bool udp_echo = false;
    // Datagrams a second the UDP echo answers per source address, and as many at once; 0 = no
    // limit. 100 is far more than any real echo client sends (a reachability or round-trip
    // probe sends a few a second), yet caps what a loop with another echo service or a flood
    // reflected at a forged address can aim at one address at 100 datagrams a second; a loop
    // faster than that (any on a LAN) loses its datagrams after the first second's 100.
    std::size_t udp_echo_rate = 100;
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
