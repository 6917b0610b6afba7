#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>
#include <vector>

namespace hellod::net {

// A listen address as written, split but not yet resolved.
struct Endpoint {
    std::string host;     // empty = every interface
    std::string service;  // port number or /etc/services name
};

// Accepts HOST:PORT, [IPV6]:PORT, *:PORT, :PORT and a bare PORT (every interface). PORT may be
// a service name. Throws std::invalid_argument with a fragment saying what is wrong.
Endpoint parse_endpoint(std::string_view text);
// Whether a listen address as written asks for port 0, a new free port each time it is bound.
bool is_any_port(std::string_view text);

struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
    const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
    int family() const noexcept { return storage.ss_family; }
};

// getaddrinfo for a passive TCP socket. Throws net::Error naming `option_text`.
std::vector<SocketAddress> resolve(const Endpoint& endpoint, std::string_view option_text);

// "192.0.2.1:80", "[2001:db8::1]:80"; an IPv4-mapped IPv6 address is shown as IPv4.
std::string to_string(const sockaddr* address, socklen_t length);
// The host part alone, formatted as in to_string.
std::string host_to_string(const sockaddr* address, socklen_t length);

// The peer's address bytes (4 for IPv4 and IPv4-mapped, 16 for IPv6), the key under which
// connections per address are counted.
std::string address_key(const sockaddr* address, socklen_t length);

}  // namespace hellod::net
