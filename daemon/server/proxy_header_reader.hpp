#pragma once

#include <chrono>
#include <string>

#include "io/stream.hpp"
#include "net/proxy_header.hpp"

namespace hellod {

// What came first on a connection from a trusted load balancer.
struct ProxyHeaderRead {
    enum class Outcome {
        header,  // `header` is local or proxied, and the stream is past it
        bad,     // malformed, cut short or late: `problem` says which, for the log
        closed,  // closed (or the daemon stopped) before a byte came: a plain TCP health check
    };
    Outcome outcome = Outcome::closed;
    net::ProxyHeader header;
    std::string problem;
};

// Reads the header through the session's own stream, so that whatever the client sent right
// behind it stays buffered for the protocol. Usually one read and nothing else: the balancer
// sends the header in one segment as it connects, and a read takes what has arrived. The whole
// header must come within `timeout` (not each read: one byte every few seconds must not hold a
// worker for ever); after a header, the stream's read timeout is the session's again. Memory:
// the stream's buffer grows to the header's length at most, which v2 bounds at 16 + 65535.
ProxyHeaderRead read_proxy_header(Stream& stream, std::chrono::milliseconds timeout);

}  // namespace hellod
