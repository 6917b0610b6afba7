#include "net/datagram.hpp"

#include <arpa/inet.h>
#include <sys/uio.h>

#include <cstdint>
#include <cstring>

namespace hellod::net {
namespace {

// Room for what a dual-stack socket reports of an IPv4 datagram: both kinds of packet info.
union ControlBuffer {
    cmsghdr alignment;
    unsigned char bytes[CMSG_SPACE(sizeof(in_pktinfo)) + CMSG_SPACE(sizeof(in6_pktinfo))];
};

template <typename Info>
bool read_control(const cmsghdr& message, int level, int type, std::optional<Info>& out) {
    if (message.cmsg_level != level || message.cmsg_type != type ||
        message.cmsg_len < CMSG_LEN(sizeof(Info)))
        return false;
    Info info;
    // memcpy: the control buffer promises no alignment for the payload's own fields.
    std::memcpy(&info, CMSG_DATA(&message), sizeof info);
    out = info;
    return true;
}

template <typename Info>
void write_control(msghdr& message, ControlBuffer& buffer, int level, int type, const Info& info) {
    message.msg_control = buffer.bytes;
    message.msg_controllen = CMSG_SPACE(sizeof(Info));
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = level;
    header->cmsg_type = type;
    header->cmsg_len = CMSG_LEN(sizeof(Info));
    std::memcpy(CMSG_DATA(header), &info, sizeof info);
}

bool is_group_ipv4(in_addr_t network_order) {
    const std::uint32_t address = ntohl(network_order);
    return address == INADDR_BROADCAST || IN_MULTICAST(address);
}

}  // namespace

unsigned Datagram::peer_port() const noexcept {
    if (peer.ss_family == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in*>(&peer)->sin_port);
    if (peer.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6*>(&peer)->sin6_port);
    return 0;
}

bool Datagram::to_group() const noexcept {
    // For IPv4 the kernel reports both the header's destination and the local address a reply
    // should come from; they differ exactly when the destination was not one of ours alone
    // (a broadcast, a multicast group).
    if (ipv4_destination)
        return ipv4_destination->ipi_addr.s_addr != ipv4_destination->ipi_spec_dst.s_addr;
    if (ipv6_destination) {
        const in6_addr& to = ipv6_destination->ipi6_addr;
        if (IN6_IS_ADDR_MULTICAST(&to)) return true;
        if (IN6_IS_ADDR_V4MAPPED(&to)) {
            in_addr_t mapped;
            std::memcpy(&mapped, &to.s6_addr[12], sizeof mapped);
            return is_group_ipv4(mapped);
        }
    }
    return false;
}

bool receive_datagram(int fd, std::span<std::byte> buffer, Datagram& out) {
    out = Datagram{};
    iovec data{buffer.data(), buffer.size()};
    ControlBuffer control{};
    msghdr message{};
    message.msg_name = &out.peer;
    message.msg_namelen = sizeof out.peer;
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control.bytes;
    message.msg_controllen = sizeof control.bytes;
    const ssize_t n = ::recvmsg(fd, &message, MSG_DONTWAIT);
    if (n < 0) return false;
    out.peer_length = message.msg_namelen;
    out.size = static_cast<std::size_t>(n);
    out.truncated = (message.msg_flags & MSG_TRUNC) != 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
        if (read_control(*c, IPPROTO_IP, IP_PKTINFO, out.ipv4_destination)) continue;
        read_control(*c, IPPROTO_IPV6, IPV6_PKTINFO, out.ipv6_destination);
    }
    return true;
}

bool send_reply(int fd, std::span<const std::byte> payload, const Datagram& request) {
    // sendmsg takes non-const pointers but reads through them only.
    iovec data{const_cast<std::byte*>(payload.data()), payload.size()};
    ControlBuffer control{};
    msghdr message{};
    message.msg_name = const_cast<sockaddr_storage*>(&request.peer);
    message.msg_namelen = request.peer_length;
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    // Only the source address is pinned; the interface is left to the routing table (ifindex
    // 0), as the way back need not be the way in. A link-local peer carries its own scope id.
    if (request.ipv4_destination) {
        in_pktinfo from{};
        from.ipi_spec_dst = request.ipv4_destination->ipi_spec_dst;
        write_control(message, control, IPPROTO_IP, IP_PKTINFO, from);
    } else if (request.ipv6_destination) {
        in6_pktinfo from{};
        from.ipi6_addr = request.ipv6_destination->ipi6_addr;
        write_control(message, control, IPPROTO_IPV6, IPV6_PKTINFO, from);
    }
    return ::sendmsg(fd, &message, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0;
}

}  // namespace hellod::net
