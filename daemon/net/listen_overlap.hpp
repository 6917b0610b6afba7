#pragma once

#include <string>
#include <vector>

namespace hellod::net {

// A listen address as the settings give it, with the option it came from.
struct NamedListen {
    std::string option;  // "listen", "metrics-listen"
    std::string spec;    // "127.0.0.1:9999", "*:9999", "localhost:9999"
};

// Throws Error (bad_address) when two of the addresses would take the same socket, which the
// start would find out as "address already in use" from its own first socket: the same
// address twice after resolving names (localhost:9999 and 127.0.0.1:9999), or an address and
// a wildcard of its family on the same port (*:9999 takes every address, 0.0.0.0:9999 every
// IPv4 one, [::]:9999 every IPv6 one). Port 0 never overlaps: each is a new port.
void check_no_overlap(const std::vector<NamedListen>& addresses);

}  // namespace hellod::net
