#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "net/address.hpp"

namespace hellod::net {

// The PROXY protocol header a load balancer puts in front of a connection it forwards, so that
// the server learns the client's address (haproxy's doc/proxy-protocol.txt, versions 1 and 2).
// Pure: bytes in, result out; the reading is the caller's.
//
//   v1: "PROXY TCP4 192.0.2.7 198.51.100.1 51234 9999\r\n", at most 107 bytes with the CRLF;
//       "PROXY UNKNOWN ...\r\n" for a connection the balancer cannot describe.
//   v2: a 12-byte signature, version and command, family and transport, a 16-bit length, then
//       the addresses and TLVs (at most 16 + 65535 bytes in all).
struct ProxyHeader {
    enum class Status : std::uint8_t {
        incomplete,  // a header's prefix so far: read until `needed` bytes are there, then parse
        invalid,     // not a header, or a malformed one: `error` says what is wrong
        local,       // v2 LOCAL, v1 UNKNOWN, v2 UNSPEC or UNIX: the connection's own address stands
        proxied,     // `source` is the client, `destination` the address it connected to
    };

    Status status = Status::incomplete;
    int version = 0;  // 1 or 2 once the signature is known, else 0
    // v2 LOCAL: a connection the balancer made itself (a health check), relaying no client.
    bool local_command = false;
    std::size_t length = 0;  // local, proxied: the bytes the header takes, TLVs included
    std::size_t needed = 0;  // incomplete: the least total of bytes that can change the answer
    SocketAddress source;    // proxied: AF_INET or AF_INET6, with the port
    SocketAddress destination;
    // invalid: a fragment for a log line, static text: "v1 header has no CRLF within 107
    // bytes", "v2 header has version 3", "not a PROXY header".
    std::string_view error;
};

inline constexpr std::size_t proxy_v1_max = 107;
inline constexpr std::size_t proxy_v2_max = 16 + 65535;

// Parses the header at the start of `bytes`; what follows it is none of the header's business.
// A prefix of either signature is incomplete, anything else invalid at the first byte that
// departs from both, so that a client which does not speak the protocol is known as soon as
// possible.
ProxyHeader parse_proxy_header(std::span<const char> bytes) noexcept;

}  // namespace hellod::net
