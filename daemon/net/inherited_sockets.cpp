#include "net/inherited_sockets.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace hellod::net {
namespace {

// systemd hands sockets over blocking unless the unit says NonBlocking=yes; the accept loop
// and the UDP service both rely on EAGAIN.
bool make_non_blocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

}  // namespace

std::optional<InheritedSockets> take_inherited_sockets() {
    char** names = nullptr;
    const int count = sd_listen_fds_with_names(1, &names);
    if (count <= 0) return std::nullopt;

    InheritedSockets sockets;
    for (int i = 0; i < count; ++i) {
        const int fd = SD_LISTEN_FDS_START + i;
        const std::string name = names && names[i] ? names[i] : "";
        std::free(names ? names[i] : nullptr);
        if (!name.empty() && name != "unknown" &&
            std::find(sockets.names.begin(), sockets.names.end(), name) == sockets.names.end())
            sockets.names.push_back(name);

        UniqueFd owned(fd);
        const std::string what = "descriptor " + std::to_string(fd) +
                                 (name.empty() ? "" : " (" + name + ")") + " from systemd";
        const bool listening = sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) > 0;
        const bool datagram = !listening && sd_is_socket(fd, AF_UNSPEC, SOCK_DGRAM, -1) > 0;
        if (listening || datagram) {
            if (!make_non_blocking(fd)) {
                sockets.warnings.push_back("cannot make " + what + " non-blocking: " +
                                           std::strerror(errno) + "; not using it");
                continue;
            }
            if (listening) {
                sockets.stream.push_back({std::move(owned), bound_name(fd)});
                continue;
            }
            if (const int error = enable_reply_source(fd); error != 0)
                sockets.warnings.push_back(bound_name(fd) + " (" + what +
                                           "): " + std::strerror(error) +
                                           "; UDP replies leave from the route's address");
            sockets.datagram.push_back({std::move(owned), bound_name(fd)});
        } else if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 0) > 0) {
            sockets.connected.push_back(std::move(owned));
        } else {
            sockets.warnings.push_back(what +
                                       " is not a stream or datagram socket; closed it unused");
        }
    }
    std::free(names);
    return sockets;
}

}  // namespace hellod::net
