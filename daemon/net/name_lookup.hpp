#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>
#include <vector>

#include "net/address.hpp"

// The system resolver's two halves of naming a peer (the double check itself, its pool and cache
// are server/peer_resolver's).
namespace hellod::net {

// The PTR name of an address (getnameinfo with NI_NAMEREQD), or nullopt.
std::optional<std::string> reverse_name(const SocketAddress& address);

// The addresses `name` resolves to in `family` (getaddrinfo), one per address.
std::vector<SocketAddress> forward_addresses(const std::string& name, int family);

// An IPv4-mapped IPv6 address (a dual-stack socket's IPv4 peer) as the IPv4 address it is: its
// PTR record is under in-addr.arpa, and its name resolves to A records. Others are copied.
SocketAddress unmapped(const sockaddr* address, socklen_t length);

// Whether a name is an address in disguise ("1.2.3.4", "127.1", "0x7f.1", "1.2.3.4.", scoped
// IPv6), which a PTR record may hold and which must never be shown as a peer's name.
bool is_numeric_host(const std::string& name);

}  // namespace hellod::net
