#include "net/socket_ops.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace hellod::net {

void set_no_delay(int fd) noexcept {
    const int one = 1;
    (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void close_with_reset(UniqueFd fd) noexcept {
    linger reset{};
    reset.l_onoff = 1;
    reset.l_linger = 0;
    (void)::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    fd.reset();
}

void shut_read(int fd) noexcept {
    (void)::shutdown(fd, SHUT_RD);
}

void shut_both(int fd) noexcept {
    (void)::shutdown(fd, SHUT_RDWR);
}

std::optional<SocketAddress> peer_of(int fd) {
    SocketAddress peer;
    peer.length = sizeof peer.storage;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer.storage), &peer.length) != 0)
        return std::nullopt;
    return peer;
}

}  // namespace hellod::net
