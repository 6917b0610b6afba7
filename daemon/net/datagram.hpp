#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <span>

namespace hellod::net {

// One datagram as recvmsg saw it: who sent it, how long it really was, and, on a socket that
// reports it (IP_PKTINFO / IPV6_RECVPKTINFO, see open_udp_sockets), where it was sent to.
struct Datagram {
    sockaddr_storage peer{};
    socklen_t peer_length = 0;
    std::size_t size = 0;    // bytes in the buffer
    bool truncated = false;  // the datagram was longer than the buffer; the tail is lost
    std::optional<in_pktinfo> ipv4_destination;
    std::optional<in6_pktinfo> ipv6_destination;

    const sockaddr* peer_address() const noexcept {
        return reinterpret_cast<const sockaddr*>(&peer);
    }
    // The peer's port (0 for a family without ports).
    unsigned peer_port() const noexcept;
    // Sent to a broadcast or multicast address rather than to one of this host's own; known
    // only where the destination is reported.
    bool to_group() const noexcept;
};

// recvmsg of one datagram into `buffer`. Returns false with errno set when there is none
// (EAGAIN) or the call failed.
bool receive_datagram(int fd, std::span<std::byte> buffer, Datagram& out);

// sendmsg of `payload` to the request's sender, from the address the request was sent to when
// that is known. Returns false with errno set on failure.
bool send_reply(int fd, std::span<const std::byte> payload, const Datagram& request);

}  // namespace hellod::net
