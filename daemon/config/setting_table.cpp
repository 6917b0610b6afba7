#include "config/setting_table.hpp"

#include <algorithm>
#include <array>

#include "config/values.hpp"
#include "log/log_level.hpp"
#include "text/escape.hpp"
#include "text/strings.hpp"

namespace hellod {
namespace {

constexpr const char* kDefaultListenNote = "built-in default: *:9999, every address, IPv4 and IPv6";

// Edit distance with '_' and '-' and letter case treated as equal, for "did you mean".
std::size_t distance(std::string_view a, std::string_view b) {
    const auto norm = [](char c) { return c == '_' ? '-' : ascii_lower(c); };
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            const std::size_t cost = norm(a[i - 1]) == norm(b[j - 1]) ? 0 : 1;
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
            diagonal = up;
        }
    }
    return row[b.size()];
}

// The rows, in --help's order. Every function is a captureless lambda, so the table is built
// at compile time and needs no initialisation order.
constexpr std::array<SettingDef, 27> kSettings{{
    {"listen", 'l', "HOST:PORT",
     "address to listen on; repeat it or separate several with commas (default *:9999: "
     "every address, IPv4 and IPv6; 0.0.0.0:N is IPv4 only, [::]:N IPv6 only)",
     [](Settings& s, std::string_view v) { add_listen_addresses(s.listen, v); }, nullptr,
     [](const Settings& s) { return s.listen; }, kDefaultListenNote},
    {"metrics-listen", 0, "HOST:PORT",
     "serve Prometheus metrics at http://HOST:PORT/metrics; repeatable like listen; for "
     "operators only: bind it to loopback or a private interface (default: off)",
     [](Settings& s, std::string_view v) { add_listen_addresses(s.metrics_listen, v); }, nullptr,
     [](const Settings& s) { return s.metrics_listen; }, "off: no metrics endpoint"},
    {"protocol", 0, "NAME",
     "greeting (welcome, a reply per line), timestamp (each line with the time) or echo "
     "(every byte back, RFC 862)",
     [](Settings& s, std::string_view v) { s.session.protocol = parse_choice(v, protocol_names); },
     [](const Settings& s) {
         return std::string(choice_name(s.session.protocol, protocol_names));
     }},
    {"framing", 0, "NAME",
     "line (a message ends at a newline) or raw (one read is one message); greeting and "
     "timestamp only",
     [](Settings& s, std::string_view v) { s.session.framing = parse_choice(v, framing_names); },
     [](const Settings& s) { return std::string(choice_name(s.session.framing, framing_names)); }},
    {"welcome", 0, "TEXT", "line sent on connect (%h is the host name); empty for none",
     [](Settings& s, std::string_view v) { s.session.welcome = line_safe(v); },
     [](const Settings& s) { return s.session.welcome; }},
    {"reply", 0, "TEMPLATE",
     "answer to each line: %s is the line, %h the host name, %% a literal %",
     [](Settings& s, std::string_view v) { s.session.reply = ReplyTemplate::parse(line_safe(v)); },
     [](const Settings& s) { return s.session.reply.source(); }},
    {"exit-command", 0, "TEXT", "line that ends the session; empty for none",
     [](Settings& s, std::string_view v) {
         line_safe(v);
         if (!v.empty() && (blanks.find(v.front()) != std::string_view::npos ||
                            blanks.find(v.back()) != std::string_view::npos)) {
             throw std::invalid_argument(
                 quoted_excerpt(v) +
                 " starts or ends with a space or tab, but lines are trimmed before they "
                 "are compared, so it could never match");
         }
         s.session.exit_command = v;
     },
     [](const Settings& s) { return s.session.exit_command; }},
    {"farewell", 0, "TEXT", "line sent after the exit command; empty for none",
     [](Settings& s, std::string_view v) { s.session.farewell = line_safe(v); },
     [](const Settings& s) { return s.session.farewell; }},
    {"backlog", 0, "N", "listen(2) backlog of connections not yet accepted",
     [](Settings& s, std::string_view v) {
         s.backlog = static_cast<int>(parse_whole(v, 1, 65535));
     },
     [](const Settings& s) { return std::to_string(s.backlog); }},
    {"max-connections", 0, "N", "sessions open at once; more are told the server is busy",
     [](Settings& s, std::string_view v) { s.max_connections = parse_whole(v, 1, 1'000'000); },
     [](const Settings& s) { return std::to_string(s.max_connections); }},
    {"max-connections-per-ip", 0, "N", "sessions open at once from one address; 0 = no limit",
     [](Settings& s, std::string_view v) {
         s.max_connections_per_ip = parse_whole(v, 0, 1'000'000);
     },
     [](const Settings& s) { return std::to_string(s.max_connections_per_ip); }},
    {"allow", 0, "CIDR",
     "admit only clients in these networks (192.0.2.0/24, 2001:db8::/32, or one address); "
     "repeat it or separate several with commas (default: every client)",
     [](Settings& s, std::string_view v) {
         for (const auto& network :
              parse_networks(v,
                             "with no allow rule every client is admitted already (or write "
                             "0.0.0.0/0, ::/0)"))
             s.access.allow(network);
     },
     nullptr, [](const Settings& s) { return network_texts(s.access.allowed()); },
     "none: every client is admitted unless denied"},
    {"deny", 0, "CIDR",
     "refuse clients in these networks, even when an allow rule admits them; repeatable "
     "like allow",
     [](Settings& s, std::string_view v) {
         for (const auto& network :
              parse_networks(v,
                             "to refuse everyone write 0.0.0.0/0, ::/0; to admit only some, list "
                             "them with allow, which refuses everyone else"))
             s.access.deny(network);
     },
     nullptr, [](const Settings& s) { return network_texts(s.access.denied()); }, "none"},
    {"proxy-protocol-from", 0, "CIDR",
     "load balancers in these networks must begin each connection with a PROXY protocol "
     "header (v1 or v2), whose client address then counts for the limits, rules and log; "
     "repeatable like allow (default: none, the feature is off)",
     [](Settings& s, std::string_view v) {
         for (const auto& network :
              parse_networks(v,
                             "trusting every address would let any client claim any address; "
                             "list the balancers' addresses"))
             s.proxy_protocol_from.push_back(network);
     },
     nullptr, [](const Settings& s) { return network_texts(s.proxy_protocol_from); },
     "none: no connection carries a PROXY header"},
    {"proxy-header-timeout", 0, "SECONDS",
     "how long a connection from proxy-protocol-from may take to deliver its header (above 0)",
     [](Settings& s, std::string_view v) {
         s.proxy_header_timeout =
             parse_seconds(v, "would let a balancer that sends no header hold a worker forever");
     },
     [](const Settings& s) { return seconds_text(s.proxy_header_timeout); }},
    {"idle-timeout", 0, "SECONDS", "close a session silent this long; 0 = never",
     [](Settings& s, std::string_view v) { s.idle_timeout = parse_seconds(v); },
     [](const Settings& s) { return seconds_text(s.idle_timeout); }},
    {"write-timeout", 0, "SECONDS",
     "close a session whose client stops reading for this long (above 0)",
     [](Settings& s, std::string_view v) {
         s.write_timeout =
             parse_seconds(v, "would let a client that stops reading hold a worker forever");
     },
     [](const Settings& s) { return seconds_text(s.write_timeout); }},
    {"max-line-bytes", 0, "N", "longest line accepted, terminator not counted",
     [](Settings& s, std::string_view v) { s.session.max_line_bytes = parse_whole(v, 1, 1 << 20); },
     [](const Settings& s) { return std::to_string(s.session.max_line_bytes); }},
    {"shutdown-timeout", 0, "SECONDS",
     "on SIGTERM/SIGINT, how long sessions get to finish before they are cut",
     [](Settings& s, std::string_view v) { s.shutdown_timeout = parse_seconds(v); },
     [](const Settings& s) { return seconds_text(s.shutdown_timeout); }},
    {"udp-echo", 0, "BOOL", "also echo UDP datagrams on every listen address",
     [](Settings& s, std::string_view v) { s.udp_echo = parse_bool(v); },
     [](const Settings& s) { return std::string(s.udp_echo ? "true" : "false"); }},
    {"udp-echo-rate", 0, "N",
     "UDP datagrams answered a second per source address, and as many at once; 0 = no limit",
     [](Settings& s, std::string_view v) { s.udp_echo_rate = parse_whole(v, 0, 1'000'000); },
     [](const Settings& s) { return std::to_string(s.udp_echo_rate); }},
    {"resolve-peers", 0, "BOOL",
     "name each client's host in the access log when its reverse DNS is confirmed by a "
     "forward lookup",
     [](Settings& s, std::string_view v) { s.resolve_peers = parse_bool(v); },
     [](const Settings& s) { return std::string(s.resolve_peers ? "true" : "false"); }},
    {"log-level", 0, "LEVEL", "trace, debug, info, warning or error",
     [](Settings& s, std::string_view v) {
         const auto level = parse_log_level(trim(v));
         if (!level) {
             throw std::invalid_argument(quoted_excerpt(v) +
                                         " is not one of trace, debug, info, warning, error");
         }
         s.log_level = *level;
     },
     [](const Settings& s) { return std::string(to_string(s.log_level)); }},
    {"log-format", 0, "FORMAT",
     "text (timestamp, level, message) or json (one object per line, for log pipelines)",
     [](Settings& s, std::string_view v) {
         const auto format = parse_log_format(trim(v));
         if (!format) throw std::invalid_argument(quoted_excerpt(v) + " is not one of text, json");
         s.log_format = *format;
     },
     [](const Settings& s) { return std::string(to_string(s.log_format)); }},
    {"user", 0, "NAME",
     "started as root: bind, then drop to this user (a name or a numeric id) for good before "
     "serving anyone",
     [](Settings& s, std::string_view v) { s.user = account_name(v); },
     [](const Settings& s) { return s.user; }},
    {"group", 0, "NAME", "the group to drop to with --user (default: the user's own group)",
     [](Settings& s, std::string_view v) { s.group = account_name(v); },
     [](const Settings& s) { return s.group; }},
    {"run-as-root", 0, "BOOL", "serve as root without --user (hellod refuses to otherwise)",
     [](Settings& s, std::string_view v) { s.run_as_root = parse_bool(v); },
     [](const Settings& s) { return std::string(s.run_as_root ? "true" : "false"); }},
}};

}  // namespace

std::span<const SettingDef> setting_defs() {
    return kSettings;
}

const SettingDef* find_setting(std::string_view name) {
    for (const auto& def : setting_defs()) {
        if (def.name == name) return &def;
    }
    return nullptr;
}

std::optional<std::string> suggestion(std::string_view name) {
    std::optional<std::string> best;
    std::size_t best_distance = name.size() >= 6 ? 3 : 2;  // exclusive bound
    for (const auto& def : setting_defs()) {
        if (const auto d = distance(name, def.name); d < best_distance) {
            best_distance = d;
            best = def.name;
        }
    }
    return best;
}

std::vector<std::string> changed_settings(const Settings& before, const Settings& after) {
    std::vector<std::string> names;
    for (const auto& def : setting_defs()) {
        const bool differs =
            def.show ? def.show(before) != def.show(after) : def.list(before) != def.list(after);
        if (differs) names.emplace_back(def.name);
    }
    return names;
}

}  // namespace hellod
