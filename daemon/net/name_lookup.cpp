#include "net/name_lookup.hpp"

#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace hellod::net {
namespace {

struct AddrinfoDeleter {
    void operator()(addrinfo* list) const noexcept { ::freeaddrinfo(list); }
};
using AddrinfoList = std::unique_ptr<addrinfo, AddrinfoDeleter>;

bool parses_as_address(const std::string& name) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = AI_NUMERICHOST;
    addrinfo* found = nullptr;
    if (::getaddrinfo(name.c_str(), nullptr, &hints, &found) != 0) return false;
    AddrinfoList owned(found);
    return true;
}

}  // namespace

SocketAddress unmapped(const sockaddr* address, socklen_t length) {
    SocketAddress out;
    if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
        if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
            sockaddr_in v4{};
            v4.sin_family = AF_INET;
            v4.sin_port = v6->sin6_port;
            std::memcpy(&v4.sin_addr, &v6->sin6_addr.s6_addr[12], 4);
            std::memcpy(&out.storage, &v4, sizeof v4);
            out.length = sizeof v4;
            return out;
        }
    }
    out.length = std::min<socklen_t>(length, sizeof out.storage);
    std::memcpy(&out.storage, address, out.length);
    return out;
}

// AI_NUMERICHOST catches inet_aton's forms ("127.1", "0x7f.1") and scoped IPv6 too; the absolute
// form "1.2.3.4." is no better a name.
bool is_numeric_host(const std::string& name) {
    if (parses_as_address(name)) return true;
    return name.size() > 1 && name.back() == '.' &&
           parses_as_address(name.substr(0, name.size() - 1));
}

std::optional<std::string> reverse_name(const SocketAddress& address) {
    char host[NI_MAXHOST];
    if (::getnameinfo(address.get(), address.length, host, sizeof host, nullptr, 0, NI_NAMEREQD) !=
        0)
        return std::nullopt;
    return std::string(host);
}

std::vector<SocketAddress> forward_addresses(const std::string& name, int family) {
    addrinfo hints{};
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;  // one entry per address instead of one per socket type
    addrinfo* found = nullptr;
    if (::getaddrinfo(name.c_str(), nullptr, &hints, &found) != 0) return {};
    AddrinfoList owned(found);
    std::vector<SocketAddress> out;
    for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
        SocketAddress address;
        std::memcpy(&address.storage, ai->ai_addr, ai->ai_addrlen);
        address.length = ai->ai_addrlen;
        out.push_back(address);
    }
    return out;
}

}  // namespace hellod::net
