#pragma once

// PROXY protocol headers as a balancer sends them (haproxy's doc/proxy-protocol.txt), built
// from their fields, for tests that play the balancer.
#include <arpa/inet.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hellod::testing {

inline constexpr std::string_view proxy_v2_signature{"\r\n\r\n\0\r\nQUIT\n", 12};

// "PROXY TCP4 192.0.2.7 127.0.0.1 51234 9999\r\n"; TCP6 when the source has a ':'.
inline std::string proxy_v1(const std::string& source, const std::string& destination,
                            unsigned source_port, unsigned destination_port) {
    const char* family = source.find(':') == std::string::npos ? "TCP4" : "TCP6";
    return std::string("PROXY ") + family + " " + source + " " + destination + " " +
           std::to_string(source_port) + " " + std::to_string(destination_port) + "\r\n";
}

// A v2 header: `command` 0 (LOCAL) or 1 (PROXY), `family` the protocol byte (0x11 TCP over
// IPv4, 0x21 over IPv6, 0x00 UNSPEC...), then `body` (addresses and TLVs) with its length.
inline std::string proxy_v2(unsigned command, unsigned family, std::string_view body) {
    std::string header(proxy_v2_signature);
    header += static_cast<char>(0x20 | command);
    header += static_cast<char>(family);
    header += static_cast<char>((body.size() >> 8) & 0xff);
    header += static_cast<char>(body.size() & 0xff);
    header += body;
    return header;
}

// The address block of a PROXY v2 header over TCP: 0x11 with IPv4 addresses, 0x21 with IPv6.
inline std::string proxy_v2_addresses(const std::string& source, const std::string& destination,
                                      unsigned source_port, unsigned destination_port) {
    const int af = source.find(':') == std::string::npos ? AF_INET : AF_INET6;
    const std::size_t size = af == AF_INET ? 4 : 16;
    std::string body(2 * size, '\0');
    if (::inet_pton(af, source.c_str(), body.data()) != 1 ||
        ::inet_pton(af, destination.c_str(), body.data() + size) != 1)
        throw std::invalid_argument("not an address pair: " + source + " " + destination);
    for (const unsigned port : {source_port, destination_port}) {
        body += static_cast<char>((port >> 8) & 0xff);
        body += static_cast<char>(port & 0xff);
    }
    return body;
}

inline std::string proxy_v2_tcp(const std::string& source, const std::string& destination,
                                unsigned source_port, unsigned destination_port,
                                std::string_view tlvs = {}) {
    const unsigned family = source.find(':') == std::string::npos ? 0x11 : 0x21;
    return proxy_v2(
        1, family,
        proxy_v2_addresses(source, destination, source_port, destination_port) + std::string(tlvs));
}

// One TLV: type, 16-bit length, value.
inline std::string proxy_v2_tlv(unsigned type, std::string_view value) {
    std::string tlv;
    tlv += static_cast<char>(type);
    tlv += static_cast<char>((value.size() >> 8) & 0xff);
    tlv += static_cast<char>(value.size() & 0xff);
    tlv += value;
    return tlv;
}

}  // namespace hellod::testing
