#pragma once

#include <optional>

#include "config/invocation.hpp"
#include "net/fd.hpp"
#include "net/inherited_sockets.hpp"

namespace hellod {

struct InetdConnection {
    net::UniqueFd fd;                    // the client's socket, close-on-exec, above descriptor 2
    bool stderr_was_connection = false;  // inetd and xinetd put the socket on stderr as well
};

// The connection that --inetd serves: standard input when it is a connected stream socket
// (inetd, xinetd, or systemd with StandardInput=socket), else the one connected socket that
// systemd passed through LISTEN_FDS for a socket with Accept=yes. Descriptors 0 and 1, and 2
// when it was the connection, are pointed at /dev/null afterwards, so that no stray write can
// reach the client. Other inherited sockets are closed. Throws FatalError(usage) when there is
// no connection to serve.
InetdConnection take_inetd_connection(std::optional<net::InheritedSockets> inherited);

// --inetd: serves the one session on that connection, as the settings say, then returns 0. Logs
// to syslog when stderr was the connection (inetd, xinetd), else as the daemon would.
int serve_inetd(const Invocation& invocation, std::optional<net::InheritedSockets> inherited);

}  // namespace hellod
