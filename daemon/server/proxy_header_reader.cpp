#include "server/proxy_header_reader.hpp"

#include <cerrno>
#include <cstring>

#include "text/strings.hpp"

namespace hellod {

ProxyHeaderRead read_proxy_header(Stream& stream, std::chrono::milliseconds timeout) {
    using Clock = std::chrono::steady_clock;
    using Outcome = ProxyHeaderRead::Outcome;
    const auto deadline = Clock::now() + timeout;
    const auto session_timeout = stream.read_timeout();
    // The first read does not wait: a balancer sends the header as it connects, so it is there
    // by the time the connection is accepted, and the socket's timeout, a system call to change,
    // stays the session's. Only a header that is not all there yet is waited for, under its own.
    bool waiting = false;
    std::size_t want = 1;
    for (;;) {
        const Stream::Line seen = stream.peek(want, waiting);
        ProxyHeaderRead read;
        read.header = net::parse_proxy_header(seen.text);
        const bool got_any = !seen.text.empty();
        switch (read.header.status) {
            case net::ProxyHeader::Status::local:
            case net::ProxyHeader::Status::proxied:
                stream.skip(read.header.length);
                if (waiting) stream.set_read_timeout(session_timeout);
                read.outcome = Outcome::header;
                return read;
            case net::ProxyHeader::Status::invalid:
                read.outcome = Outcome::bad;
                read.problem = read.header.error;
                return read;
            case net::ProxyHeader::Status::incomplete:
                break;
        }
        const auto late = [&] {
            read.outcome = Outcome::bad;
            read.problem = got_any ? "no complete header within " : "no header within ";
            read.problem += seconds_text(timeout) + " s (proxy-header-timeout)";
            if (got_any) read.problem += "; " + std::to_string(seen.text.size()) + " bytes came";
            return read;
        };
        const auto cut_short = [&](std::string what) {
            read.outcome = got_any ? Outcome::bad : Outcome::closed;
            if (got_any)
                read.problem =
                    what + " after " + std::to_string(seen.text.size()) + " of its bytes";
            return read;
        };
        switch (seen.status) {
            case Stream::Status::ok:
                want = read.header.needed;
                break;
            case Stream::Status::timeout:
                if (waiting) return late();
                break;  // nothing had come yet: now wait for it
            case Stream::Status::eof:
                return cut_short("the connection was closed inside the header");
            case Stream::Status::error:
                return cut_short(std::string("the connection failed (") +
                                 std::strerror(stream.error_number()) + ") inside the header");
            default:  // cancelled: the daemon is stopping, which says nothing of the balancer
                read.outcome = Outcome::closed;
                return read;
        }
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return late();
        stream.set_read_timeout(left);
        waiting = true;
    }
}

}  // namespace hellod
