#include "net/listen_overlap.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "net/address.hpp"
#include "net/error.hpp"

namespace hellod::net {
namespace {

// One socket an address asks for.
struct Taken {
    const NamedListen* from = nullptr;
    int family = AF_UNSPEC;  // AF_UNSPEC: "*", every address of both families
    bool wildcard = false;
    std::string host;  // the address without the port, as to_string writes it
    unsigned port = 0;
};

unsigned port_of(const SocketAddress& address) {
    const sockaddr* raw = address.get();
    if (raw->sa_family == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in*>(raw)->sin_port);
    return ntohs(reinterpret_cast<const sockaddr_in6*>(raw)->sin6_port);
}

bool is_unspecified(const SocketAddress& address) {
    const sockaddr* raw = address.get();
    if (raw->sa_family == AF_INET)
        return reinterpret_cast<const sockaddr_in*>(raw)->sin_addr.s_addr == htonl(INADDR_ANY);
    return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(raw)->sin6_addr);
}

std::vector<Taken> taken_by(const NamedListen& listen) {
    const Endpoint endpoint = parse_endpoint(listen.spec);
    const auto addresses = resolve(endpoint, listen.spec);
    std::vector<Taken> out;
    for (const auto& address : addresses) {
        const unsigned port = port_of(address);
        if (port == 0) return {};
        if (endpoint.host.empty()) return {{&listen, AF_UNSPEC, true, "*", port}};
        out.push_back({&listen, address.family(), is_unspecified(address),
                       host_to_string(address.get(), address.length), port});
    }
    return out;
}

bool overlap(const Taken& a, const Taken& b) {
    if (a.port != b.port) return false;
    if (a.family == AF_UNSPEC || b.family == AF_UNSPEC) return true;
    return a.family == b.family && (a.wildcard || b.wildcard || a.host == b.host);
}

// The address both take, written as specifically as one of them names it.
std::string shared(const Taken& a, const Taken& b) {
    const Taken& narrow = a.wildcard && !b.wildcard ? b : a;
    return narrow.host == "*" ? "every address" : narrow.host;
}

}  // namespace

void check_no_overlap(const std::vector<NamedListen>& addresses) {
    std::vector<Taken> seen;
    for (const auto& listen : addresses) {
        for (const auto& taken : taken_by(listen)) {
            for (const auto& earlier : seen) {
                if (!overlap(earlier, taken)) continue;
                throw Error(Error::Kind::bad_address, 0,
                            earlier.from->option + " " + earlier.from->spec + " and " +
                                taken.from->option + " " + taken.from->spec + " both take port " +
                                std::to_string(taken.port) + " on " + shared(earlier, taken) +
                                ": one socket cannot be bound twice; give each its own address "
                                "or port");
            }
            seen.push_back(taken);
        }
    }
}

}  // namespace hellod::net
