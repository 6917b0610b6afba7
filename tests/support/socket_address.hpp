#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "net/address.hpp"

namespace hellod::testing {

// An address literal ("127.0.0.1", "::1") and a port.
inline net::SocketAddress socket_address(const std::string& host, unsigned port) {
    net::SocketAddress out;
    if (host.find(':') == std::string::npos) {
        auto& a = reinterpret_cast<sockaddr_in&>(out.storage);
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) throw std::invalid_argument(host);
        out.length = sizeof a;
    } else {
        auto& a = reinterpret_cast<sockaddr_in6&>(out.storage);
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(static_cast<std::uint16_t>(port));
        if (::inet_pton(AF_INET6, host.c_str(), &a.sin6_addr) != 1)
            throw std::invalid_argument(host);
        out.length = sizeof a;
    }
    return out;
}

}  // namespace hellod::testing
