#include "config/settings.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/program_options.hpp>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "config/config_error.hpp"
#include "config/config_file.hpp"
#include "text/escape.hpp"
#include "text/strings.hpp"

namespace hellod {

namespace po = boost::program_options;

namespace {

constexpr std::string_view kEnvPrefix = "HELLOD_";
constexpr std::int64_t kMaxSeconds = 86'400 * 365;  // a year; beyond that a timeout is a typo
// A config file is a few hundred bytes; anything this big is the wrong file (or /dev/zero).
constexpr std::size_t kMaxConfigBytes = 1 << 20;
constexpr const char* kDefaultListenNote =
    "built-in default: [::]:9999, or 0.0.0.0:9999 without IPv6";

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

// ---------------------------------------------------------------------------------------------
// Value parsers. Each throws std::invalid_argument with a fragment that follows "<option>: ".

std::uint64_t parse_whole(std::string_view text, std::uint64_t low, std::uint64_t high) {
    const auto digits = trim(text);
    std::uint64_t value = 0;
    const auto* end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
    if (digits.empty() || ec != std::errc{} || ptr != end || value < low || value > high) {
        throw std::invalid_argument(quoted_excerpt(text) + " is not a whole number from " +
                                    std::to_string(low) + " to " + std::to_string(high));
    }
    return value;
}

// Plain decimal seconds ("30", "0.5"), rounded to the nearest millisecond. Written by hand
// rather than with from_chars<double> so that "1e3", "inf", "nan" and "-0" are refused and
// the rounding is exact. `zero_refusal` says why 0 is not allowed, or is null when it is.
std::chrono::milliseconds parse_seconds(std::string_view text, const char* zero_refusal = nullptr) {
    const std::string range =
        std::string(zero_refusal ? "from 0.001 to " : "from 0 to ") + std::to_string(kMaxSeconds);
    const auto bad = [&] {
        return std::invalid_argument(quoted_excerpt(text) + " is not a number of seconds " + range +
                                     " (like 30 or 0.5)");
    };
    const auto s = trim(text);
    const auto dot = s.find('.');
    const auto whole = s.substr(0, dot);
    const auto fraction = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
    const auto all_digits = [](std::string_view d) {
        return std::ranges::all_of(d, [](char c) { return c >= '0' && c <= '9'; });
    };
    if (whole.size() + fraction.size() == 0 || !all_digits(whole) || !all_digits(fraction)) {
        throw bad();
    }
    std::int64_t ms = 0;
    for (const char c : whole) {
        ms = ms * 10 + (c - '0');
        if (ms > kMaxSeconds) throw bad();  // also keeps the arithmetic from overflowing
    }
    ms *= 1000;
    std::int64_t scale = 100;
    for (std::size_t i = 0; i < fraction.size() && i < 4; ++i) {
        if (i == 3) {
            if (fraction[i] >= '5') ++ms;  // round half up on the first dropped digit
        } else {
            ms += (fraction[i] - '0') * scale;
            scale /= 10;
        }
    }
    if (ms > kMaxSeconds * 1000) throw bad();
    if (ms == 0) {
        const bool written_as_zero = s.find_first_not_of("0.") == std::string_view::npos;
        if (!written_as_zero) {
            throw std::invalid_argument(quoted_excerpt(text) +
                                        " is below the 1 ms resolution of timeouts; write 0 for "
                                        "zero or at least 0.001");
        }
        if (zero_refusal) {
            throw std::invalid_argument(quoted_excerpt(text) + " " + zero_refusal +
                                        "; use a number of seconds " + range);
        }
    }
    return std::chrono::milliseconds{ms};
}

bool parse_bool(std::string_view text) {
    const auto s = trim(text);
    for (const auto* yes : {"true", "yes", "on", "1"}) {
        if (equals_ignoring_case(s, yes)) return true;
    }
    for (const auto* no : {"false", "no", "off", "0"}) {
        if (equals_ignoring_case(s, no)) return false;
    }
    throw std::invalid_argument(quoted_excerpt(text) +
                                " is not true or false (also yes/no, on/off, 1/0)");
}

template <typename Enum, std::size_t N>
Enum parse_choice(std::string_view text,
                  const std::array<std::pair<std::string_view, Enum>, N>& choices) {
    const auto s = trim(text);
    std::string names;
    for (const auto& [name, value] : choices) {
        if (equals_ignoring_case(s, name)) return value;
        names += names.empty() ? "" : ", ";
        names += name;
    }
    throw std::invalid_argument(quoted_excerpt(text) + " is not one of " + names);
}

constexpr std::array<std::pair<std::string_view, Protocol>, 3> kProtocols{{
    {"greeting", Protocol::greeting},
    {"echo", Protocol::echo},
    {"timestamp", Protocol::timestamp},
}};
constexpr std::array<std::pair<std::string_view, Framing>, 2> kFramings{{
    {"line", Framing::line},
    {"raw", Framing::raw},
}};

template <typename Enum, std::size_t N>
std::string_view choice_name(Enum value,
                             const std::array<std::pair<std::string_view, Enum>, N>& choices) {
    for (const auto& [name, v] : choices) {
        if (v == value) return name;
    }
    return {};
}

// The texts sent to clients become lines of the protocol, so they must not carry the bytes
// that end or corrupt a line.
std::string_view line_safe(std::string_view text) {
    const auto at = text.find_first_of(std::string_view("\r\n\0", 3));
    if (at == std::string_view::npos) return text;
    const char* what = text[at] == '\r'   ? "a carriage return (CR)"
                       : text[at] == '\n' ? "a line feed (LF)"
                                          : "a NUL byte";
    throw std::invalid_argument(std::string("holds ") + what + " at byte " +
                                std::to_string(at + 1) +
                                ", which would break the line framing (CR, LF and NUL are not "
                                "allowed)");
}

// The items in one value of a repeatable setting: "a:1, [::1]:2" names two. `expected` says
// what an item looks like, for the error when there is none.
std::vector<std::string> split_list(std::string_view text, std::string_view expected) {
    std::vector<std::string> addresses;
    constexpr std::string_view kSeparators = ", \t\r\n";
    std::size_t pos = 0;
    while ((pos = text.find_first_not_of(kSeparators, pos)) != std::string_view::npos) {
        const auto end = std::min(text.find_first_of(kSeparators, pos), text.size());
        addresses.emplace_back(text.substr(pos, end - pos));
        pos = end;
    }
    if (addresses.empty()) {
        throw std::invalid_argument(quoted_excerpt(text) + " names no address (expected " +
                                    std::string(expected) +
                                    ", several separated by commas or spaces)");
    }
    return addresses;
}

// --user and --group as written: a name, or a numeric id (4294967295 is -1, "no id", to the
// kernel). Only the form is checked here; whether they exist is asked at start-up
// (identity.cpp), which --test-config also does. Empty means none.
std::string account_name(std::string_view text) {
    const auto name = trim(text);
    if (!name.empty() && std::ranges::all_of(name, [](char c) { return c >= '0' && c <= '9'; })) {
        parse_whole(name, 0, 4'294'967'294);
        return std::string(name);
    }
    const bool odd_byte = std::ranges::any_of(name, [](char c) {
        return static_cast<unsigned char>(c) < 0x21 || c == 0x7f || c == ':' || c == '/' ||
               c == ',';
    });
    if (name.size() > 256 || name.starts_with('-') || odd_byte) {
        throw std::invalid_argument(quoted_excerpt(text) +
                                    " is neither a user or group name nor a numeric id");
    }
    return std::string(name);
}

// The networks in one allow or deny value. "all" gets its own sentence: nginx users write
// "deny all" after their allow rules, which here would refuse everybody, since deny wins.
std::vector<net::Cidr> parse_networks(std::string_view text, std::string_view all_hint) {
    std::vector<net::Cidr> networks;
    for (const auto& item : split_list(text, "an address or network, as 192.0.2.0/24")) {
        if (equals_ignoring_case(item, "all"))
            throw std::invalid_argument("'" + item +
                                        "' is not an address: " + std::string(all_hint));
        networks.push_back(net::Cidr::parse(item));
    }
    return networks;
}

std::vector<std::string> network_texts(const std::vector<net::Cidr>& networks) {
    std::vector<std::string> texts;
    for (const auto& network : networks)
        texts.push_back(network.to_string());
    return texts;
}

// ---------------------------------------------------------------------------------------------
// The settings. This table is what the options_description is built from, so Boost.PO holds the
// one list of names, value names, defaults (taken from Settings{}) and help texts, and to_ini()
// writes the settings in the same order.

using ApplyFn = void (*)(Settings&, std::string_view);
using ShowFn = std::string (*)(const Settings&);
using ListFn = std::vector<std::string> (*)(const Settings&);

struct SettingDef {
    const char* name;
    char short_name;  // 0 for none
    const char* value_name;
    const char* help;
    ApplyFn apply;  // parses one value into the settings; a repeatable setting appends
    ShowFn show;    // the value as text; nullptr for a repeatable setting, which has no one value
    // A repeatable setting (listen, allow, deny): its values, one per config line, and what an
    // empty list means, for --print-config.
    ListFn list = nullptr;
    const char* unset_note = nullptr;
};

const std::array<SettingDef, 23>& setting_defs() {
    static const std::array<SettingDef, 23> defs{{
        {"listen", 'l', "HOST:PORT",
         "address to listen on; repeat it or separate several with commas (default [::]:9999, "
         "or 0.0.0.0:9999 without IPv6)",
         [](Settings& s, std::string_view v) {
             for (auto& address : split_list(v, "HOST:PORT"))
                 s.listen.push_back(std::move(address));
         },
         nullptr, [](const Settings& s) { return s.listen; }, kDefaultListenNote},
        {"protocol", 0, "NAME",
         "greeting (welcome, a reply per line), timestamp (each line with the time) or echo "
         "(every byte back, RFC 862)",
         [](Settings& s, std::string_view v) { s.protocol = parse_choice(v, kProtocols); },
         [](const Settings& s) { return std::string(choice_name(s.protocol, kProtocols)); }},
        {"framing", 0, "NAME",
         "line (a message ends at a newline) or raw (one read is one message); greeting and "
         "timestamp only",
         [](Settings& s, std::string_view v) { s.framing = parse_choice(v, kFramings); },
         [](const Settings& s) { return std::string(choice_name(s.framing, kFramings)); }},
        {"welcome", 0, "TEXT", "line sent on connect; empty for none",
         [](Settings& s, std::string_view v) { s.welcome = line_safe(v); },
         [](const Settings& s) { return s.welcome; }},
        {"reply", 0, "TEMPLATE", "answer to each line: %s is the line, %% a literal %",
         [](Settings& s, std::string_view v) { s.reply = ReplyTemplate::parse(line_safe(v)); },
         [](const Settings& s) { return s.reply.source(); }},
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
             s.exit_command = v;
         },
         [](const Settings& s) { return s.exit_command; }},
        {"farewell", 0, "TEXT", "line sent after the exit command; empty for none",
         [](Settings& s, std::string_view v) { s.farewell = line_safe(v); },
         [](const Settings& s) { return s.farewell; }},
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
             for (const auto& network : parse_networks(
                      v,
                      "to refuse everyone write 0.0.0.0/0, ::/0; to admit only some, list "
                      "them with allow, which refuses everyone else"))
                 s.access.deny(network);
         },
         nullptr, [](const Settings& s) { return network_texts(s.access.denied()); }, "none"},
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
         [](Settings& s, std::string_view v) { s.max_line_bytes = parse_whole(v, 1, 1 << 20); },
         [](const Settings& s) { return std::to_string(s.max_line_bytes); }},
        {"shutdown-timeout", 0, "SECONDS",
         "on SIGTERM/SIGINT, how long sessions get to finish before they are cut",
         [](Settings& s, std::string_view v) { s.shutdown_timeout = parse_seconds(v); },
         [](const Settings& s) { return seconds_text(s.shutdown_timeout); }},
        {"udp-echo", 0, "BOOL", "also echo UDP datagrams on every listen address",
         [](Settings& s, std::string_view v) { s.udp_echo = parse_bool(v); },
         [](const Settings& s) { return std::string(s.udp_echo ? "true" : "false"); }},
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
             if (!format)
                 throw std::invalid_argument(quoted_excerpt(v) + " is not one of text, json");
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
    return defs;
}

const SettingDef* find_setting(std::string_view name) {
    for (const auto& def : setting_defs()) {
        if (def.name == name) return &def;
    }
    return nullptr;
}

// The closest setting name, if one is close enough to be a likely typo of `name`.
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

struct Options {
    po::options_description general{"General options"};
    po::options_description settings{"Settings"};
    po::options_description all;

    Options() {
        general.add_options()                           //
            ("help,h", "show this help and exit")       //
            ("version,V", "show the version and exit")  //
            ("config,c", po::value<std::string>()->value_name("FILE"),
             "read settings from FILE (also HELLOD_CONFIG; no file is read by default)")  //
            ("test-config,t", "check the settings and exit")                              //
            ("inetd",
             "serve one session on the connected socket that is standard input, then exit (for "
             "inetd, or a systemd socket with Accept=yes)")                             //
            ("print-config", "print the effective settings as a config file and exit")  //
            ("probe", po::value<std::string>()->value_name("HOST:PORT")->implicit_value(""),
             "health check: hold one short session with the hellod at HOST:PORT (by default each "
             "listen address, a wildcard meaning loopback) as the settings say it should answer; "
             "exit 0 if it does, 1 if not")  //
            ("probe-timeout", po::value<std::string>()->value_name("SECONDS"),
             "how long --probe waits for the whole session (default 5)");

        const Settings defaults;
        auto add = settings.add_options();
        for (const auto& def : setting_defs()) {
            const std::string spec =
                def.short_name ? std::string(def.name) + ',' + def.short_name : def.name;
            if (def.list) {  // repeatable, and its default is described in the help
                add(spec.c_str(), po::value<std::vector<std::string>>()->value_name(def.value_name),
                    def.help);
                continue;
            }
            const std::string shown_default = def.show(defaults);
            auto* semantic = po::value<std::string>()
                                 ->value_name(def.value_name)
                                 ->default_value(shown_default, shown_default);
            // A bare --udp-echo reads as "on", the way a flag does.
            if (std::string_view(def.value_name) == "BOOL")
                semantic->implicit_value("true", "true");
            add(spec.c_str(), semantic, def.help);
        }
        all.add(general).add(settings);
    }
};

// Checks every value one source gives, so that a bad value is reported even when a higher
// source overrides it (else --test-config would pass a file that fails on its own).
void check_values(const po::parsed_options& parsed,
                  const std::function<std::string(std::size_t)>& describe, ConfigError::Kind kind) {
    for (std::size_t i = 0; i < parsed.options.size(); ++i) {
        const auto& option = parsed.options[i];
        const auto* def = find_setting(option.string_key);
        if (!def) continue;
        // A bare flag (--udp-echo) has no token; the implicit value stands in for it.
        const std::vector<std::string> implicit{"true"};
        const auto& values = option.value.empty() ? implicit : option.value;
        for (const auto& value : values) {
            Settings scratch;
            try {
                def->apply(scratch, value);
            } catch (const std::invalid_argument& e) {
                throw ConfigError(kind, describe(i) + ": " + e.what());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The sources

po::parsed_options parse_command_line(std::span<const char* const> args, const Options& options) {
    std::vector<std::string> tokens;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i]) tokens.emplace_back(args[i]);
    }
    // Guessing is off: "--max" must not quietly become --max-line-bytes in one version and an
    // ambiguity error in the next.
    const auto style =
        po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    try {
        auto parsed = po::command_line_parser(tokens).options(options.all).style(style).run();
        for (const auto& option : parsed.options) {
            if (option.string_key.empty()) {
                const auto& token =
                    option.original_tokens.empty() ? std::string() : option.original_tokens[0];
                throw ConfigError(ConfigError::Kind::usage,
                                  "unexpected argument " + quoted_excerpt(token) + " (see --help)");
            }
        }
        return parsed;
    } catch (const po::unknown_option& e) {
        std::string name = e.get_option_name();
        if (name.starts_with("--")) name = name.substr(0, name.find('='));
        const auto guess = name.starts_with("--") ? suggestion(name.substr(2)) : std::nullopt;
        // Names as typed are escaped: a control byte in one must not reach the terminal raw.
        throw ConfigError(ConfigError::Kind::usage,
                          "unknown option " + escaped(name) +
                              (guess ? " (did you mean --" + *guess + "?)" : " (see --help)"));
    } catch (const po::invalid_command_line_syntax& e) {
        const auto name = escaped(e.get_option_name());
        switch (e.kind()) {
            case po::invalid_command_line_syntax::missing_parameter:
                throw ConfigError(ConfigError::Kind::usage, name + " needs a value (see --help)");
            case po::invalid_command_line_syntax::extra_parameter:
                throw ConfigError(ConfigError::Kind::usage, name + " does not take a value");
            case po::invalid_command_line_syntax::empty_adjacent_parameter:
                throw ConfigError(ConfigError::Kind::usage,
                                  name + "= has nothing after the '=' (write " + name +
                                      " '' for an empty value)");
            default:
                throw ConfigError(ConfigError::Kind::usage, escaped(e.what()) + " (see --help)");
        }
    } catch (const po::error& e) {
        // Boost's sentences quote the option as typed.
        throw ConfigError(ConfigError::Kind::usage, escaped(e.what()) + " (see --help)");
    }
}

// HELLOD_MAX_CONNECTIONS -> max-connections; nullopt unless the rest is upper case, digits and
// underscores, so that the mapping is one-to-one.
std::optional<std::string> option_name_of(std::string_view variable) {
    if (!variable.starts_with(kEnvPrefix)) return std::nullopt;
    variable.remove_prefix(kEnvPrefix.size());
    if (variable.empty()) return std::nullopt;
    std::string name;
    for (const char c : variable) {
        if (c == '_') {
            name += '-';
        } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            name += ascii_lower(c);
        } else {
            return std::nullopt;
        }
    }
    return name;
}

std::string variable_name_of(std::string_view option) {
    std::string variable(kEnvPrefix);
    for (const char c : option) {
        variable += c == '-' ? '_' : c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return variable;
}

// Variables that name no setting are warnings, not errors: Kubernetes defines HELLOD_PORT and
// friends for a service called hellod, and that must not stop the daemon.
po::parsed_options parse_environment(const Environment& env, const Options& options,
                                     std::vector<std::string>& warnings,
                                     std::vector<std::string>& variables) {
    po::parsed_options parsed(&options.all);
    for (const auto& [variable, value] : env) {
        const auto name = option_name_of(variable);
        if (name == "config") {
            // An empty HELLOD_CONFIG is how a wrapper script says "no file".
            if (!value.empty()) {
                parsed.options.emplace_back(*name, std::vector<std::string>{value});
                variables.push_back(variable);
            }
            continue;
        }
        if (name && find_setting(*name)) {
            parsed.options.emplace_back(*name, std::vector<std::string>{value});
            variables.push_back(variable);
            continue;
        }
        std::string warning = "ignoring environment variable " + escaped(variable) + ": ";
        if (name && options.general.find_nothrow(*name, false)) {
            warning += "--" + *name + " only works on the command line";
        } else if (const auto guess =
                       suggestion(variable.substr(std::min(variable.size(), kEnvPrefix.size())));
                   guess) {
            warning += "no such setting (did you mean " + variable_name_of(*guess) + "?)";
        } else {
            warning += "no such setting";
        }
        warnings.push_back(std::move(warning));
    }
    return parsed;
}

// File names in messages are shown escaped: they come from the command line or the environment
// as any bytes, and a newline or escape sequence in one must not reach the terminal raw.
std::string read_file(const std::string& path) {
    const auto fail = [&](int error) {
        return ConfigError(
            ConfigError::Kind::unreadable,
            "cannot read config file " + escaped(path) + ": " + std::strerror(error));
    };
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                               &std::fclose);
    if (!file) throw fail(errno);
    std::string text;
    char buf[8192];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, file.get())) > 0) {
        text.append(buf, n);
        if (text.size() > kMaxConfigBytes) {
            throw ConfigError(
                ConfigError::Kind::invalid,
                "config file " + escaped(path) + " is larger than 1 MiB; is it the right file?");
        }
    }
    // A directory opens fine and fails here, with EISDIR.
    if (std::ferror(file.get())) throw fail(errno);
    return text;
}

po::parsed_options parse_file(const std::string& path, const Options& options,
                              std::vector<int>& lines) {
    const auto text = read_file(path);
    std::vector<ConfigEntry> entries;
    try {
        entries = parse_config_text(text);
    } catch (const ConfigSyntaxError& e) {
        throw ConfigError(
            ConfigError::Kind::invalid,
            escaped(path) + ":" + std::to_string(e.line()) + ": " + std::string(e.detail()));
    }

    po::parsed_options parsed(&options.all);
    std::map<std::string, int, std::less<>> first_line;
    for (auto& entry : entries) {
        const auto where = escaped(path) + ":" + std::to_string(entry.line) + ": ";
        if (!find_setting(entry.key)) {
            if (entry.key == "config") {
                throw ConfigError(ConfigError::Kind::invalid,
                                  where +
                                      "'config' cannot be set in a config file (use --config "
                                      "or HELLOD_CONFIG)");
            }
            if (options.general.find_nothrow(entry.key, false)) {
                throw ConfigError(ConfigError::Kind::invalid,
                                  where + "'" + entry.key +
                                      "' is a command-line option, not a "
                                      "setting");
            }
            const auto guess = suggestion(entry.key);
            throw ConfigError(ConfigError::Kind::invalid,
                              where + "unknown setting " + quoted_excerpt(entry.key) +
                                  (guess ? " (did you mean '" + *guess + "'?)" : ""));
        }
        const auto [it, first] = first_line.emplace(entry.key, entry.line);
        if (!first && !find_setting(entry.key)->list) {
            throw ConfigError(ConfigError::Kind::invalid, where + entry.key +
                                                              " is set twice (first on line " +
                                                              std::to_string(it->second) + ")");
        }
        parsed.options.emplace_back(entry.key, std::vector<std::string>{std::move(entry.value)});
        lines.push_back(entry.line);
    }
    return parsed;
}

std::string help_text(const Options& options) {
    std::ostringstream table;
    table << options.all;
    // Boost pads wrapped lines and starts with blank lines; neither belongs in the output.
    std::string options_text;
    std::istringstream lines(table.str());
    for (std::string line; std::getline(lines, line);) {
        line.erase(line.find_last_not_of(' ') + 1);
        if (line.empty() && (options_text.empty() || options_text.ends_with("\n\n"))) continue;
        options_text += line + '\n';
    }
    return "Usage: hellod [options]\n"
           "A thread-per-connection TCP daemon that greets (or timestamps, or echoes) what clients "
           "send.\n\n" +
           options_text +
           "\nEvery option can also be set in the config file (name = value) or as HELLOD_NAME "
           "(dashes as underscores).\n"
           "The command line wins over the environment, which wins over the config file.\n"
           "SIGTERM or SIGINT stops hellod gracefully; SIGHUP reloads the settings.\n";
}

// Settings the chosen protocol has no use for: raw framing of echo is a contradiction (echo has
// no messages), the rest are warned about, so that nobody wonders why a set value has no effect.
void check_protocol_fit(Settings& settings, const po::variables_map& vm,
                        std::vector<std::string>& warnings) {
    // Only a value that would make a difference: --print-config writes every key, and its output
    // must load without warnings.
    const Settings defaults;
    const auto ignored = [&](const char* name, const char* protocol) {
        const auto* def = find_setting(name);
        const bool set = !vm[name].empty() && !vm[name].defaulted();
        const bool inert = std::string_view(name) == "welcome"
                               ? settings.welcome.empty()
                               : def->show(settings) == def->show(defaults);
        if (set && !inert)
            warnings.push_back(std::string(name) + " is ignored by protocol " + protocol);
    };
    switch (settings.protocol) {
        case Protocol::echo:
            if (settings.framing == Framing::raw) {
                throw ConfigError(ConfigError::Kind::invalid,
                                  "framing: raw applies to the greeting and timestamp protocols; "
                                  "echo sends every byte back and has no messages to frame");
            }
            for (const char* name :
                 {"welcome", "reply", "exit-command", "farewell", "max-line-bytes"})
                ignored(name, "echo");
            settings.welcome.clear();  // RFC 862: nothing but the client's own bytes
            break;
        case Protocol::timestamp:
            ignored("reply", "timestamp");
            break;
        case Protocol::greeting:
            break;
    }
    if (settings.protocol != Protocol::echo &&
        settings.exit_command.size() > settings.max_line_bytes) {
        warnings.push_back("exit-command is " + std::to_string(settings.exit_command.size()) +
                           " bytes but max-line-bytes is " +
                           std::to_string(settings.max_line_bytes) +
                           ", so clients can never send it; sessions end only when they close");
    }
}

}  // namespace

Environment current_environment() {
    Environment env;
    for (char** entry = environ; entry && *entry; ++entry) {
        const std::string_view text = *entry;
        if (!text.starts_with(kEnvPrefix)) continue;
        const auto eq = text.find('=');
        if (eq == std::string_view::npos) continue;
        // emplace keeps the first of duplicate names, which is the one getenv() returns.
        env.emplace(text.substr(0, eq), text.substr(eq + 1));
    }
    return env;
}

Invocation parse_invocation(std::span<const char* const> args, const Environment& env) {
    const Options options;
    Invocation invocation;
    po::variables_map vm;

    const auto command_line = parse_command_line(args, options);
    try {
        po::store(command_line, vm);
    } catch (const po::multiple_occurrences& e) {
        throw ConfigError(
            ConfigError::Kind::usage,
            e.get_option_name() +
                " is given more than once (only --listen, --allow and --deny repeat)");
    } catch (const po::error& e) {
        throw ConfigError(ConfigError::Kind::usage, escaped(e.what()) + " (see --help)");
    }
    if (vm.count("help")) {
        invocation.action = Action::help;
        invocation.help_text = help_text(options);
        return invocation;
    }
    if (vm.count("version")) {
        invocation.action = Action::version;
        return invocation;
    }
    {
        std::vector<std::string> actions;
        // --inetd goes with --test-config (checking an inetd service's settings), not with --probe.
        for (const char* name : {"test-config", "print-config", "probe"}) {
            if (vm.count(name)) actions.push_back(std::string("--") + name);
        }
        if (vm.count("probe") && vm.count("inetd")) actions.insert(actions.begin(), "--inetd");
        if (actions.size() > 1) {
            throw ConfigError(ConfigError::Kind::usage,
                              actions[0] + " and " + actions[1] + " cannot be combined");
        }
    }
    if (vm.count("test-config")) invocation.action = Action::test_config;
    invocation.inetd = vm.count("inetd") != 0;
    if (vm.count("print-config")) invocation.action = Action::print_config;
    if (vm.count("probe")) {
        invocation.action = Action::probe;
        invocation.probe_target = vm["probe"].as<std::string>();
    }
    if (vm.count("probe-timeout")) {
        if (!vm.count("probe"))
            throw ConfigError(ConfigError::Kind::usage, "--probe-timeout only applies to --probe");
        try {
            invocation.probe_timeout = parse_seconds(vm["probe-timeout"].as<std::string>(),
                                                     "would give the server no time to answer");
        } catch (const std::invalid_argument& e) {
            throw ConfigError(ConfigError::Kind::usage,
                              std::string("--probe-timeout: ") + e.what());
        }
    }
    if (vm.count("config") && vm["config"].as<std::string>().empty()) {
        throw ConfigError(ConfigError::Kind::usage, "--config needs a file name");
    }
    check_values(
        command_line, [&](std::size_t i) { return "--" + command_line.options[i].string_key; },
        ConfigError::Kind::usage);

    std::vector<std::string> variables;
    const auto environment = parse_environment(env, options, invocation.warnings, variables);
    check_values(
        environment, [&](std::size_t i) { return variables[i]; }, ConfigError::Kind::invalid);
    po::store(environment, vm);

    if (vm.count("config")) {
        const auto path = vm["config"].as<std::string>();
        std::vector<int> lines;
        const auto file = parse_file(path, options, lines);
        check_values(
            file,
            [&](std::size_t i) {
                return escaped(path) + ":" + std::to_string(lines[i]) + ": " +
                       file.options[i].string_key;
            },
            ConfigError::Kind::invalid);
        po::store(file, vm);
        invocation.settings.config_file = path;
    }
    po::notify(vm);

    // store() kept the highest source's value of each option (and for a repeatable one, all the
    // values of the highest source that has any), so applying the map gives the precedence.
    auto& settings = invocation.settings;
    for (const auto& def : setting_defs()) {
        const auto& value = vm[def.name];
        if (value.empty() || value.defaulted()) continue;
        if (def.list) {
            for (const auto& text : value.as<std::vector<std::string>>())
                def.apply(settings, text);
        } else {
            def.apply(settings, value.as<std::string>());
        }
    }
    // Only greeting welcomes by default; timestamp sends a welcome only when one is set.
    if (settings.protocol != Protocol::greeting && vm["welcome"].defaulted()) {
        settings.welcome.clear();
    }
    check_protocol_fit(settings, vm, invocation.warnings);
    if (!settings.group.empty() && settings.user.empty()) {
        throw ConfigError(ConfigError::Kind::invalid,
                          "group is set but user is not: hellod changes its group only when it "
                          "drops root for --user");
    }
    for (auto& warning : settings.access.warnings())
        invocation.warnings.push_back(std::move(warning));
    return invocation;
}

std::string to_ini(const Settings& settings) {
    std::string out = "# hellod settings, as read back by hellod --config FILE\n";
    for (const auto& def : setting_defs()) {
        if (def.show) {
            out += std::string(def.name) + " = " + quote_config_value(def.show(settings)) + "\n";
            continue;
        }
        const auto values = def.list(settings);
        if (values.empty()) out += std::string("# ") + def.name + " = (" + def.unset_note + ")\n";
        for (const auto& value : values)
            out += std::string(def.name) + " = " + quote_config_value(value) + "\n";
    }
    return out;
}

std::string_view to_string(Protocol protocol) {
    return choice_name(protocol, kProtocols);
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
