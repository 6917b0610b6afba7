// The server turning peers away: by the allow and deny rules (closed with a reset, logged through
// the refusal log's table), a peer those rules cannot judge (no IP address: warned once), and a
// session turned away with a line (busy).
#include <sys/socket.h>

#include <mutex>
#include <optional>
#include <string>

#include "log/log.hpp"
#include "net/address.hpp"
#include "net/socket_ops.hpp"
#include "server/server.hpp"

namespace hellod {

void Server::refuse_by_rule(net::UniqueFd fd, const net::SocketAddress& peer,
                            const AccessRules::Verdict& verdict, std::string_view via) {
    metrics_.refused(Refusal::denied);
    // Closed with a reset, not an orderly close: the server keeps no TIME_WAIT or FIN_WAIT
    // socket for a peer it wants nothing to do with, which matters when a refused peer floods;
    // and it is what the peer would see anyway whenever it had sent anything, since Linux resets
    // a socket closed with unread input.
    net::close_with_reset(std::move(fd));
    if (!verdict.peer) return;  // no address to count it under; warned about once
    std::optional<RefusalLog::Report> report;
    {
        std::lock_guard lock(refusals_mutex_);
        report = refusals_.refused(*verdict.peer, std::chrono::steady_clock::now());
    }
    if (report && log::enabled(report->level)) {
        std::string who = net::host_to_string(peer.get(), peer.length);
        if (!via.empty()) who.append(" via ").append(via);
        const std::string why = reason(verdict);
        log::Fields fields = refusal_fields("peer", net::host_to_string(peer.get(), peer.length),
                                            "reason", why, *report);
        if (!via.empty()) fields.push_back(log::text_field("via", std::string(via)));
        log::write(report->level, refusal_line(who, why, *report, refusals_.capacity()), fields);
    }
}

void Server::warn_unmatchable_peer(const net::SocketAddress& peer, bool admitted) {
    std::call_once(unmatchable_peer_warned_, [&] {
        HLOG(warning) << (peer.family() == AF_UNIX ? "a peer on a UNIX socket"
                                                   : "a peer without an IP address")
                      << (admitted ? " was admitted: the deny rules name IP networks and cannot "
                                     "match it"
                                   : " was refused: the allow rules name IP networks, so none "
                                     "can admit it")
                      << " (said once; serve such peers without allow and deny rules)";
    });
}

void Server::refuse(Connection& connection, Refusal reason, std::string_view why) {
    metrics_.refused(reason);
    turn_away(connection, why);
}

}  // namespace hellod
