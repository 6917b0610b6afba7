#include "net/listener.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>

#include "net/address.hpp"
#include "net/error.hpp"
#include "os/port_holder.hpp"

namespace hellod::net {
namespace {

constexpr const char* default_listen = "9999";

Endpoint parse_or_throw(const std::string& spec) {
    try {
        return parse_endpoint(spec);
    } catch (const std::invalid_argument& e) {
        throw Error(Error::Kind::bad_address, 0, "listen '" + spec + "' " + e.what());
    }
}

struct Candidate {
    SocketAddress address;
    bool dual_stack = false;  // IPV6_V6ONLY off: an IPv6 wildcard that also takes IPv4
};

// The addresses a spec names. A wildcard resolves to both families; of those the IPv6 one is
// used dual-stack, with the IPv4 one kept as the fallback for kernels without IPv6.
std::vector<std::vector<Candidate>> candidates_for(const std::string& spec) {
    const Endpoint endpoint = parse_or_throw(spec);
    const auto addresses = resolve(endpoint, spec);
    std::vector<std::vector<Candidate>> out;
    if (endpoint.host.empty()) {
        std::vector<Candidate> choice;
        for (const auto& a : addresses)
            if (a.family() == AF_INET6) choice.push_back({a, true});
        for (const auto& a : addresses)
            if (a.family() == AF_INET) choice.push_back({a, false});
        out.push_back(choice);
    } else {
        for (const auto& a : addresses)
            out.push_back({{a, false}});
    }
    return out;
}

std::string why(int error) {
    switch (error) {
        case EADDRINUSE:
            return "the address is already in use";
        case EADDRNOTAVAIL:
            return "the address is not one of this machine's";
        case EACCES:
            return "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
        default:
            return std::strerror(error);
    }
}

// "already in use", and by whom when /proc can say: a guess would send the reader after the
// wrong process.
std::string why(int error, const SocketAddress& address, int type) {
    std::string text = why(error);
    if (error != EADDRINUSE) return text;
    const sockaddr* raw = address.get();
    std::optional<std::string> holder;
    if (raw->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(raw);
        holder = port_holder(type == SOCK_STREAM,
                             {reinterpret_cast<const std::uint8_t*>(&in->sin_addr), 4},
                             ntohs(in->sin_port));
    } else if (raw->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(raw);
        holder =
            port_holder(type == SOCK_STREAM, {in6->sin6_addr.s6_addr, 16}, ntohs(in6->sin6_port));
    }
    return holder ? text + " by " + *holder : text;
}

bool is_wildcard(const SocketAddress& address) {
    if (address.family() == AF_INET)
        return reinterpret_cast<const sockaddr_in*>(address.get())->sin_addr.s_addr ==
               htonl(INADDR_ANY);
    if (address.family() == AF_INET6)
        return IN6_IS_ADDR_UNSPECIFIED(
            &reinterpret_cast<const sockaddr_in6*>(address.get())->sin6_addr);
    return false;
}

// A datagram socket on a wildcard address would otherwise answer from whichever address the
// route to the client prefers, which on a multi-homed host need not be the one the client
// wrote to, and the client (rightly) ignores a reply from a stranger. With the destination of
// each request in hand the reply can be sent from it.
int enable_packet_info(int fd, int family) {
    const int one = 1;
    if (family == AF_INET6 &&
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) != 0)
        return errno;
    // On a dual-stack socket the IPv4 option is asked for too: it also reports which local
    // address an IPv4 request to a broadcast address reached, so such requests can be told
    // apart. Should the kernel refuse it there, the IPv6 option (with IPv4-mapped addresses)
    // still gives every reply its source.
    if (::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) != 0 && family == AF_INET)
        return errno;
    return 0;
}

// A socket on [::] that also takes IPv4 (IPV6_V6ONLY off).
bool is_dual_stack(int fd, const sockaddr_storage& bound) {
    int v6only = 1;
    socklen_t size = sizeof v6only;
    return bound.ss_family == AF_INET6 &&
           IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_addr) &&
           ::getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &size) == 0 && v6only == 0;
}

// Returns an errno on failure, so that the caller decides whether it is fatal. `backlog` is
// used by stream sockets only.
int bind_one(const Candidate& candidate, int type, int backlog, Listener& out) {
    const int family = candidate.address.family();
    UniqueFd fd(::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return errno;
    const int one = 1;
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) return errno;
    if (family == AF_INET6) {
        const int v6only = candidate.dual_stack ? 0 : 1;
        if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) != 0)
            return errno;
    }
    if (type == SOCK_DGRAM && is_wildcard(candidate.address))
        if (const int error = enable_packet_info(fd.get(), family); error != 0) return error;
    if (::bind(fd.get(), candidate.address.get(), candidate.address.length) != 0) return errno;
    if (type == SOCK_STREAM && ::listen(fd.get(), backlog) != 0) return errno;
    out.name = bound_name(fd.get());
    out.fd = std::move(fd);
    return 0;
}

ListenerSet open_sockets(const std::vector<std::string>& specs, int type, int backlog) {
    const std::vector<std::string> effective =
        specs.empty() ? std::vector<std::string>{default_listen} : specs;
    ListenerSet set;
    for (const auto& spec : effective) {
        const auto groups = candidates_for(spec);
        std::size_t bound_here = 0;
        int last_error = 0;
        for (const auto& group : groups) {
            // In a wildcard group, the IPv4 fallback is tried only when IPv6 is unavailable.
            for (const auto& candidate : group) {
                Listener listener;
                const int error = bind_one(candidate, type, backlog, listener);
                if (error == 0) {
                    set.listeners.push_back(std::move(listener));
                    ++bound_here;
                    break;
                }
                last_error = error;
                const bool no_ipv6 =
                    candidate.dual_stack && (error == EAFNOSUPPORT || error == EADDRNOTAVAIL);
                if (!no_ipv6) {
                    const std::string address =
                        to_string(candidate.address.get(), candidate.address.length);
                    // A name with several addresses (localhost -> 127.0.0.1 and ::1) may have
                    // one this machine lacks; the others still serve.
                    if (groups.size() > 1 && (error == EADDRNOTAVAIL || error == EAFNOSUPPORT)) {
                        set.warnings.push_back("listen " + spec + ": skipping " + address + ": " +
                                               why(error));
                        break;
                    }
                    // The spec only when it says more than the address (a name, a wildcard).
                    throw Error(Error::Kind::system, error,
                                "cannot listen on " + address +
                                    (address == spec ? "" : " (listen " + spec + ")") + ": " +
                                    why(error, candidate.address, type));
                }
            }
        }
        if (bound_here == 0)
            throw Error(Error::Kind::system, last_error,
                        "cannot listen on " + spec + ": " + why(last_error));
    }
    return set;
}

}  // namespace

std::size_t check_listen_addresses(const std::vector<std::string>& specs) {
    const std::vector<std::string> effective =
        specs.empty() ? std::vector<std::string>{default_listen} : specs;
    std::size_t sockets = 0;
    for (const auto& spec : effective)
        sockets += candidates_for(spec).size();
    return sockets;
}

ListenerSet open_listeners(const std::vector<std::string>& specs, int backlog) {
    return open_sockets(specs, SOCK_STREAM, backlog);
}

ListenerSet open_udp_sockets(const std::vector<std::string>& specs) {
    return open_sockets(specs, SOCK_DGRAM, 0);
}

unsigned bound_port(int fd) {
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) return 0;
    if (bound.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    if (bound.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    return 0;
}

std::vector<std::string> bound_specs(const std::vector<Listener>& listeners) {
    std::vector<std::string> specs;
    for (const auto& listener : listeners) {
        sockaddr_storage bound{};
        socklen_t length = sizeof bound;
        if (::getsockname(listener.fd.get(), reinterpret_cast<sockaddr*>(&bound), &length) != 0)
            continue;
        specs.push_back(is_dual_stack(listener.fd.get(), bound)
                            ? "*:" + std::to_string(bound_port(listener.fd.get()))
                            : to_string(reinterpret_cast<const sockaddr*>(&bound), length));
    }
    return specs;
}

std::string bound_name(int fd) {
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) return "?";
    if (bound.ss_family == AF_UNIX) {
        const auto* unix_address = reinterpret_cast<const sockaddr_un*>(&bound);
        const auto offset = offsetof(sockaddr_un, sun_path);
        if (length <= offset) return "unix:(unnamed)";
        std::string path(unix_address->sun_path, length - offset);
        if (path.front() == '\0') return "unix:@" + path.substr(1);  // abstract namespace
        return "unix:" + path.substr(0, path.find('\0'));
    }
    if (is_dual_stack(fd, bound)) return "*:" + std::to_string(bound_port(fd));
    return to_string(reinterpret_cast<const sockaddr*>(&bound), length);
}

std::string_view wildcard_families(int fd) {
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) return {};
    if (bound.ss_family != AF_INET && bound.ss_family != AF_INET6) return {};
    SocketAddress address;
    std::memcpy(&address.storage, &bound, sizeof bound);
    address.length = length;
    if (!is_wildcard(address)) return {};
    if (bound.ss_family == AF_INET) return "IPv4 only";
    return is_dual_stack(fd, bound) ? "IPv4 and IPv6" : "IPv6 only";
}

int enable_reply_source(int fd) {
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) return errno;
    SocketAddress address;
    std::memcpy(&address.storage, &bound, sizeof bound);
    address.length = length;
    return is_wildcard(address) ? enable_packet_info(fd, bound.ss_family) : 0;
}

}  // namespace hellod::net
