// The server's side of connections from a load balancer (proxy-protocol-from): which peers are
// balancers, and, on the worker once the PROXY header has come, the client it names admitted in
// the balancer's place, or the connection dropped.
#include <algorithm>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "log/log.hpp"
#include "net/address.hpp"
#include "server/server.hpp"

namespace hellod {

bool Server::from_balancer(const net::SocketAddress& peer) const {
    const auto& balancers = settings_->proxy_protocol_from;
    if (balancers.empty()) return false;
    const auto ip = net::IpAddress::of(peer.get(), peer.length);
    return ip && std::ranges::any_of(
                     balancers, [&](const net::Cidr& network) { return network.contains(*ip); });
}

bool Server::admit(Connection& connection, const ProxyHeaderRead& read) {
    using Outcome = ProxyHeaderRead::Outcome;
    switch (read.outcome) {
        case Outcome::closed:
            HLOG(debug) << "connection from " << connection.peer
                        << " closed before a PROXY header came";
            return false;
        case Outcome::bad:
            bad_header(connection, read.problem);
            return false;
        case Outcome::header:
            break;
    }
    const Settings& settings = *connection.settings;
    // v2 LOCAL, v1 UNKNOWN, v2 UNSPEC and UNIX keep the connection's own address.
    bool proxied = read.header.status == net::ProxyHeader::Status::proxied;
    // The balancer's own health checks: v2 LOCAL, and haproxy's v1 checks, which name the check
    // connection itself. Every few seconds from every balancer, so their access lines are debug.
    if (read.header.local_command ||
        (proxied &&
         net::to_string(read.header.source.get(), read.header.source.length) == connection.peer)) {
        connection.access_level = LogLevel::debug;
        proxied = false;
    }
    const net::SocketAddress& client = proxied ? read.header.source : connection.address;
    if (const auto verdict = settings.access.check(client.get(), client.length);
        !verdict.admitted) {
        connection.slot.release();  // before the descriptor goes (see Connection)
        refuse_by_rule(std::move(connection.fd), client, verdict,
                       proxied ? std::string_view(connection.peer) : std::string_view());
        return false;
    }
    if (proxied) {
        connection.via =
            std::exchange(connection.peer, net::to_string(client.get(), client.length));
        connection.address = client;
        if (!connection.slot.move_to(net::address_key(client.get(), client.length),
                                     settings.max_connections_per_ip)) {
            connection.slot.release();  // over for the limits before the client hears it
            refuse(connection, Refusal::per_address,
                   "max-connections-per-ip " + std::to_string(settings.max_connections_per_ip) +
                       " reached");
            return false;
        }
    }
    if (settings.resolve_peers) connection.host = resolver_.lookup(connection.address);
    if (proxied) {
        HLOG(debug) << "PROXY v" << read.header.version << " header from " << connection.via
                    << " names client " << connection.peer;
    } else {
        HLOG(debug) << "PROXY v" << read.header.version << " header from " << connection.peer
                    << " keeps the connection's own address";
    }
    return true;
}

void Server::bad_header(const Connection& connection, std::string_view problem) {
    metrics_.refused(Refusal::proxy_header);
    const auto balancer = net::IpAddress::of(connection.address.get(), connection.address.length);
    if (!balancer) return;
    std::optional<RefusalLog::Report> report;
    {
        std::lock_guard lock(refusals_mutex_);
        report = bad_header_log_.refused(*balancer, std::chrono::steady_clock::now());
    }
    // A warning whatever the report says: proxy-protocol-from promised a header, so a missing
    // one is a balancer set up without it, or a client let in around the balancer.
    if (report && log::enabled(LogLevel::warning)) {
        log::write(LogLevel::warning,
                   bad_header_line(connection.peer, problem, *report, bad_header_log_.capacity()),
                   refusal_fields("balancer", connection.peer, "problem", problem, *report));
    }
}

}  // namespace hellod
