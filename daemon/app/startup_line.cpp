#include "app/startup_line.hpp"

#include <sstream>
#include <utility>

#include "text/strings.hpp"

namespace hellod {

std::string startup_line(const Settings& s, const std::vector<net::Listener>& listeners,
                         const net::InheritedSockets* inherited,
                         const std::vector<std::string>& metrics) {
    std::ostringstream out;
    out << "hellod " << HELLOD_VERSION << " listening on ";
    for (std::size_t i = 0; i < listeners.size(); ++i) {
        out << (i ? ", " : "") << listeners[i].name;
        // *:N, 0.0.0.0:N and [::]:N differ in what they take, so the line says it.
        if (const auto families = net::wildcard_families(listeners[i].fd.get()); !families.empty())
            out << " (" << families << ")";
    }
    if (inherited) {
        out << ", sockets inherited from systemd";
        for (std::size_t i = 0; i < inherited->names.size(); ++i)
            out << (i ? ", " : " (") << inherited->names[i]
                << (i + 1 == inherited->names.size() ? ")" : "");
    }
    out << " (protocol " << to_string(s.session.protocol)
        << (s.session.framing == Framing::raw ? ", framing raw" : "");
    if (!metrics.empty()) out << ", metrics on " << join(metrics);
    out << ", backlog ";
    if (inherited)
        out << "from systemd";
    else
        out << s.backlog;
    out << ", max-connections " << s.max_connections << ", max-connections-per-ip ";
    if (s.max_connections_per_ip == 0)
        out << "unlimited";
    else
        out << s.max_connections_per_ip;
    for (const auto& [kind, rules] :
         {std::pair{"allow", &s.access.allowed()}, std::pair{"deny", &s.access.denied()}}) {
        if (!rules->empty())
            out << ", " << kind << " " << rules->size()
                << (rules->size() == 1 ? " network" : " networks");
    }
    // Which connections must begin with a PROXY header is the first thing to check when a
    // balancer's clients are closed unanswered, so the networks are named, not counted.
    if (!s.proxy_protocol_from.empty()) {
        out << ", proxy-protocol-from";
        for (const auto& network : s.proxy_protocol_from)
            out << " " << network.to_string();
        out << ", proxy-header-timeout " << seconds_text(s.proxy_header_timeout) << " s";
    }
    out << ", idle-timeout "
        << (s.idle_timeout.count() == 0 ? "off" : seconds_text(s.idle_timeout) + " s")
        << ", write-timeout " << seconds_text(s.write_timeout) + " s"
        << ", max-line-bytes " << s.session.max_line_bytes << ", shutdown-timeout "
        << seconds_text(s.shutdown_timeout) + " s"
        << ", config " << (s.config_file.empty() ? "none" : s.config_file) << ")";
    return out.str();
}

log::Fields startup_fields(const Settings& s, const std::vector<net::Listener>& listeners,
                           const net::InheritedSockets* inherited,
                           const std::vector<std::string>& metrics) {
    std::vector<std::string> bound;
    for (const auto& listener : listeners)
        bound.push_back(listener.name);
    std::vector<std::string> from;
    for (const auto& network : s.proxy_protocol_from)
        from.push_back(network.to_string());
    return {
        log::text_field("version", HELLOD_VERSION),
        log::text_field("listen", join(bound)),
        log::number_field("systemd", inherited ? 1 : 0),
        log::text_field("protocol", std::string(to_string(s.session.protocol))),
        log::text_field("framing", s.session.framing == Framing::raw ? "raw" : "line"),
        log::text_field("metrics", join(metrics)),
        log::number_field("backlog", inherited ? 0 : static_cast<std::uint64_t>(s.backlog)),
        log::number_field("max_connections", s.max_connections),
        log::number_field("max_connections_per_ip", s.max_connections_per_ip),
        log::number_field("allow_networks", s.access.allowed().size()),
        log::number_field("deny_networks", s.access.denied().size()),
        log::text_field("proxy_protocol_from", join(from)),
        log::seconds_field("idle_timeout", std::chrono::duration<double>(s.idle_timeout).count()),
        log::seconds_field("write_timeout", std::chrono::duration<double>(s.write_timeout).count()),
        log::number_field("max_line_bytes", s.session.max_line_bytes),
        log::seconds_field("shutdown_timeout",
                           std::chrono::duration<double>(s.shutdown_timeout).count()),
        log::text_field("config", s.config_file),
    };
}

}  // namespace hellod
