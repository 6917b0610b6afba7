#include "server/session.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "io/stream.hpp"
#include "log/log.hpp"
#include "net/socket_transport.hpp"
#include "protocol/dispatch.hpp"
#include "protocol/fixed_lines.hpp"
#include "server/proxy_header_reader.hpp"

namespace hellod {
namespace {

// How long an orderly close waits for the client to finish sending (see close_gracefully).
constexpr std::chrono::milliseconds linger{2000};

// How long after the accept the access line may wait for the peer's name. The lookup started
// at the accept, so only sessions shorter than this ever wait, and by no more than the rest.
constexpr std::chrono::seconds name_wait{5};

// The session's access line and its counts in the metrics, which therefore always agree. A
// --probe health check (SessionResult::probe) comes every few seconds from every container: it
// is logged at debug and counted on its own, apart from the traffic.
void record(const Connection& c, const protocol::SessionResult& result, std::uint64_t in,
            std::uint64_t out) {
    const auto elapsed = std::chrono::steady_clock::now() - c.accepted;
    if (c.metrics != nullptr) {
        if (result.probe)
            c.metrics->probe_ended();
        else
            c.metrics->ended(result, elapsed, in, out);
    }
    const LogLevel level =
        result.probe ? std::min(c.access_level, LogLevel::debug) : c.access_level;
    if (!log::enabled(level)) return;
    std::optional<std::string> name;
    if (c.host) name = c.host->name(c.accepted + name_wait);
    log::write_access({.level = level,
                       .peer = c.peer,
                       .host = name ? std::string_view(*name) : std::string_view(),
                       .via = c.via,
                       .duration = elapsed,
                       .lines = result.lines,
                       .bytes_in = in,
                       .bytes_out = out,
                       .end = to_string(result.reason),
                       .detail = result.detail,
                       .probe = result.probe});
}

}  // namespace

void serve(std::unique_ptr<Connection> connection, const std::atomic<bool>& cancel) {
    const Settings& settings = *connection->settings;
    net::SocketTransport transport(connection->fd.get());
    Stream stream(transport, {.read_buffer = 4096,
                              .write_buffer = 4096,
                              .read_timeout = settings.idle_timeout,
                              .write_timeout = settings.write_timeout,
                              .cancel = &cancel});
    std::uint64_t header_bytes = 0;  // the balancer's, not the client's: not in the access line
    if (connection->gate != nullptr) {
        const ProxyHeaderRead read = read_proxy_header(stream, settings.proxy_header_timeout);
        if (!connection->gate->admit(*connection, read)) return;
        header_bytes = read.header.length;
    }
    protocol::SessionResult result =
        protocol::run_session(stream, settings.session, connection->peer);
    if (result.reason != protocol::EndReason::error) {
        if (stream.flush() != Stream::Status::ok) {
            result = {protocol::EndReason::error, result.lines, stream.error_text()};
        } else {
            stream.close_gracefully(linger);
        }
    }
    // The session is over for the client and for the limits before the access line, which
    // may still wait a moment for the peer's name. The slot goes before the descriptor (see
    // Connection).
    connection->slot.release();
    connection->fd.reset();
    record(*connection, result, stream.bytes_in() - header_bytes, stream.bytes_out());
}

void turn_away(Connection& connection, std::string_view why) {
    // The acceptor's thread must not wait for one client: nothing here blocks. A fresh socket's
    // send buffer is empty, so the busy line leaves at once; the close takes what input has
    // arrived already (a reset could destroy the line before the client reads it), without
    // waiting for more.
    net::SocketTransport transport(connection.fd.get(), net::SocketTransport::Waiting::never);
    Stream stream(transport, {});
    stream.write(protocol::busy_line);
    stream.close_gracefully(std::chrono::milliseconds::zero());
    record(connection, {protocol::EndReason::busy, 0, std::string(why)}, 0, stream.bytes_out());
}

}  // namespace hellod
