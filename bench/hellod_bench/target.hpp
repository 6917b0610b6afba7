#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>

namespace hellod_bench {

// The server's address: HOST:PORT or [IPV6]:PORT, resolved once before any connect.
struct Target {
    sockaddr_storage addr{};
    socklen_t len = 0;
    std::string text;  // as given, for messages and the JSON

    const sockaddr* sockaddr_ptr() const { return reinterpret_cast<const sockaddr*>(&addr); }
    int family() const { return addr.ss_family; }
};

// Splits "HOST:PORT" / "[HOST]:PORT"; nullopt when the form or the port is wrong.
struct HostPort {
    std::string host;
    std::string port;
};
std::optional<HostPort> split_host_port(std::string_view text);

// Resolves numerically first, then through getaddrinfo; nullopt when it cannot.
std::optional<Target> resolve_target(std::string_view text);

}  // namespace hellod_bench
