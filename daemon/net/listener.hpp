#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "net/fd.hpp"

namespace hellod::net {

struct Listener {
    UniqueFd fd;       // non-blocking, close-on-exec, SO_REUSEADDR; a TCP one is listening
    std::string name;  // the bound address, as "127.0.0.1:9999" (the real port when 0 was asked)
};

struct ListenerSet {
    std::vector<Listener> listeners;
    std::vector<std::string> warnings;  // addresses of a name that could not be bound, skipped
};

// Binds every listen address (an empty list means *:9999). One meaning per spelling:
//   *:PORT, :PORT, PORT   every address, IPv4 and IPv6: one dual-stack socket on [::], or
//                         0.0.0.0 where the kernel has no IPv6
//   0.0.0.0:PORT          every IPv4 address, IPv4 only
//   [::]:PORT             every IPv6 address, IPv6 only (IPV6_V6ONLY), as in nginx; so
//                         [::]:N and 0.0.0.0:N can be listed together
// and an explicit address is that address alone.
// Throws net::Error with a sentence naming the address.
ListenerSet open_listeners(const std::vector<std::string>& specs, int backlog);

// The same addresses, the same rules and the same errors, bound as UDP sockets. A socket on a
// wildcard address (dual-stack [::], 0.0.0.0, or an explicit [::]) also reports each
// datagram's destination (IP_PKTINFO / IPV6_RECVPKTINFO), so that replies can leave from it.
ListenerSet open_udp_sockets(const std::vector<std::string>& specs);

// The addresses `listeners` are bound to, written so that open_udp_sockets binds the same ones:
// the port the kernel picked for port 0, and a dual-stack [::] as the wildcard "*:PORT".
std::vector<std::string> bound_specs(const std::vector<Listener>& listeners);

// Checks the listen addresses the way open_listeners would (syntax, names, services) without
// binding; for --test-config. Throws net::Error like open_listeners. Returns how many sockets
// open_listeners would bind (a wildcard is one, a name one per address).
std::size_t check_listen_addresses(const std::vector<std::string>& specs);

// The local port a socket is bound to.
unsigned bound_port(int fd);

// The name a bound socket is shown under, written so that it means that socket again as a
// listen address: "127.0.0.1:9999", "*:9999" for a dual-stack wildcard, "[::]:9999" for an
// IPv6-only one, "unix:/run/hellod.sock" for a Unix socket.
std::string bound_name(int fd);

// For a socket bound to a wildcard address, which families it takes: "IPv4 and IPv6",
// "IPv4 only" or "IPv6 only"; empty for any other socket, whose address says it.
std::string_view wildcard_families(int fd);

// What open_udp_sockets does to a socket on a wildcard address, for a UDP socket bound by
// someone else (systemd): asks for each datagram's destination, so that replies can leave
// from it. Returns 0 or an errno.
int enable_reply_source(int fd);

}  // namespace hellod::net
