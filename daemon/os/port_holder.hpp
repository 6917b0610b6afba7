#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hellod {

// Which process holds a local TCP or UDP port, for "address already in use": "process 812
// (nginx)". Read from /proc/net/{tcp,tcp6,udp,udp6} (the socket on that port, at that address
// or a wildcard on either side) and /proc/PID/fd (who has that socket open). nullopt when that
// cannot be known: no such socket in this network namespace, or its owner's descriptors are not
// readable (another user's process, when not root), so a guess is never printed.
// `address` is the address in network byte order: 4 bytes for IPv4, 16 for IPv6.
std::optional<std::string> port_holder(bool stream, std::span<const std::uint8_t> address,
                                       unsigned port);

// The inode of the socket a /proc/net/{tcp,udp}[6] table lists on `port` at `address` (or a
// wildcard on either side), if any. `table` is the file's text; exposed for the tests.
std::optional<std::string> socket_inode_in(std::string_view table,
                                           std::span<const std::uint8_t> address, unsigned port);

}  // namespace hellod
