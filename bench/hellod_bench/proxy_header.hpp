#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "target.hpp"

namespace hellod_bench {

// --proxy: the PROXY protocol header (haproxy's doc/proxy-protocol.txt) each new connection
// sends first, as a balancer would, so that a server with proxy-protocol-from can be measured.
enum class ProxyVersion { none, v1, v2 };

inline std::string_view proxy_name(ProxyVersion v) {
    return v == ProxyVersion::v1 ? "v1" : v == ProxyVersion::v2 ? "v2" : "none";
}

// The header of connection number `n` (counted from 0 over the whole run): the client it names
// differs from one connection to the next, so a per-address limit on the server sees as many
// clients as connections. IPv4 targets get a client in 10.0.0.0/8 (10.0.0.1 upwards, wrapping
// before 10.255.255.255), IPv6 ones fd00::1 upwards (the same low 24 bits); the source port is
// 1024 upwards, wrapping at 65535; the destination is the target's address and port.
inline std::string proxy_header(ProxyVersion version, const Target& target, std::uint64_t n) {
    const auto host = static_cast<std::uint32_t>(n % 0xFFFFFEu) + 1;  // 1 .. 2^24 - 2
    const auto src_port = static_cast<std::uint16_t>(1024 + n % (65536 - 1024));
    const bool v6 = target.family() == AF_INET6;
    std::array<unsigned char, 16> src{};
    std::array<unsigned char, 16> dst{};
    std::uint16_t dst_port = 0;  // network order
    std::size_t addr_len = 4;
    if (v6) {
        const auto& t = reinterpret_cast<const sockaddr_in6&>(target.addr);
        src[0] = 0xfd;
        src[13] = static_cast<unsigned char>(host >> 16);
        src[14] = static_cast<unsigned char>(host >> 8);
        src[15] = static_cast<unsigned char>(host);
        std::memcpy(dst.data(), &t.sin6_addr, 16);
        dst_port = t.sin6_port;
        addr_len = 16;
    } else {
        const auto& t = reinterpret_cast<const sockaddr_in&>(target.addr);
        const std::uint32_t a = 0x0A000000u | host;
        src[0] = static_cast<unsigned char>(a >> 24);
        src[1] = static_cast<unsigned char>(a >> 16);
        src[2] = static_cast<unsigned char>(a >> 8);
        src[3] = static_cast<unsigned char>(a);
        std::memcpy(dst.data(), &t.sin_addr, 4);
        dst_port = t.sin_port;
    }
    std::string h;
    if (version == ProxyVersion::v1) {
        const int family = v6 ? AF_INET6 : AF_INET;
        char s[INET6_ADDRSTRLEN];
        char d[INET6_ADDRSTRLEN];
        inet_ntop(family, src.data(), s, sizeof s);
        inet_ntop(family, dst.data(), d, sizeof d);
        h = v6 ? "PROXY TCP6 " : "PROXY TCP4 ";
        h.append(s).append(" ").append(d).append(" ").append(std::to_string(src_port));
        h.append(" ").append(std::to_string(ntohs(dst_port))).append("\r\n");
    } else if (version == ProxyVersion::v2) {
        const std::size_t length = 2 * addr_len + 4;
        h.assign("\r\n\r\n\0\r\nQUIT\n", 12);
        h += '\x21';                // version 2, command PROXY
        h += v6 ? '\x21' : '\x11';  // TCP over IPv6 / IPv4
        h += static_cast<char>(length >> 8);
        h += static_cast<char>(length & 0xFF);
        h.append(reinterpret_cast<const char*>(src.data()), addr_len);
        h.append(reinterpret_cast<const char*>(dst.data()), addr_len);
        h += static_cast<char>(src_port >> 8);
        h += static_cast<char>(src_port & 0xFF);
        h.append(reinterpret_cast<const char*>(&dst_port), 2);  // already big-endian
    }
    return h;
}

}  // namespace hellod_bench
