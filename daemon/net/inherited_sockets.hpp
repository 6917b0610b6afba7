#pragma once

#include <optional>
#include <string>
#include <vector>

#include "net/fd.hpp"
#include "net/listener.hpp"

namespace hellod::net {

// Sockets a service manager bound and passed on (sd_listen_fds(3): LISTEN_FDS, LISTEN_PID,
// LISTEN_FDNAMES), sorted by what hellod can do with them.
struct InheritedSockets {
    std::vector<Listener> stream;       // listening stream sockets, made non-blocking
    std::vector<Listener> datagram;     // datagram sockets, for udp-echo
    std::vector<UniqueFd> connected;    // connected stream sockets (from a socket with Accept=yes)
    std::vector<std::string> names;     // the distinct LISTEN_FDNAMES, e.g. "hellod.socket"
    std::vector<std::string> warnings;  // descriptors that are none of the above, closed
};

// Takes the sockets passed to this process, or returns nullopt when none were (no LISTEN_FDS,
// or a LISTEN_PID that is not ours). Either way LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES are
// unset, so that nothing started later takes them for its own. Call before any thread starts:
// it changes the environment.
std::optional<InheritedSockets> take_inherited_sockets();

}  // namespace hellod::net
