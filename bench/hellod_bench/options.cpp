#include "options.hpp"

#include <charconv>
#include <cmath>
#include <string_view>

#include "target.hpp"

namespace hellod_bench {

namespace {

int parse_int(std::string_view option, std::string_view value, int min) {
    int n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc{} || end != value.data() + value.size() || n < min)
        throw UsageError(std::string(option) + " needs a whole number of at least " +
                         std::to_string(min) + ", not '" + std::string(value) + "'.");
    return n;
}

double parse_seconds(std::string_view option, std::string_view value, bool zero_ok) {
    double s = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), s);
    if (ec != std::errc{} || end != value.data() + value.size() || !std::isfinite(s) || s < 0 ||
        (!zero_ok && s == 0))
        throw UsageError(std::string(option) + " needs " +
                         (zero_ok ? "zero or more" : "a positive") + " number of seconds, not '" +
                         std::string(value) + "'.");
    return s;
}

Mode parse_mode(std::string_view word) {
    if (word == "pingpong") return Mode::pingpong;
    if (word == "churn") return Mode::churn;
    if (word == "hold") return Mode::hold;
    if (word == "startup") return Mode::startup;
    if (word == "free-port") return Mode::free_port;
    if (word == "--help" || word == "-h" || word == "help") return Mode::help;
    throw UsageError("The mode must be pingpong, churn, hold, startup or free-port, not '" +
                     std::string(word) + "'.");
}

}  // namespace

Options parse_options(std::span<char* const> args) {
    Options o;
    if (args.empty())
        throw UsageError("A mode is needed: pingpong, churn, hold, startup or free-port.");
    o.mode = parse_mode(args[0]);
    for (std::size_t i = 1; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (arg == "--help" || arg == "-h") {
            o.mode = Mode::help;
            return o;
        }
        if (arg == "--") {
            if (o.mode != Mode::startup)
                throw UsageError("A command after -- is only taken by the startup mode.");
            for (++i; i < args.size(); ++i)
                o.command.emplace_back(args[i]);
            break;
        }
        std::string_view name = arg;
        std::string_view value;
        bool inline_value = false;
        if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
            inline_value = true;
        }
        const auto next = [&]() -> std::string_view {
            if (inline_value) return value;
            if (i + 1 >= args.size()) throw UsageError(std::string(name) + " needs a value.");
            return args[++i];
        };
        if (name == "--target") {
            o.target = next();
            if (!split_host_port(o.target))
                throw UsageError("--target must be HOST:PORT or [IPV6]:PORT, not '" + o.target +
                                 "'.");
        } else if (name == "-c" || name == "--conns") {
            o.conns = parse_int(name, next(), 1);
        } else if (name == "-d" || name == "--duration") {
            o.duration = parse_seconds(name, next(), o.mode == Mode::hold);
            o.duration_given = true;
        } else if (name == "--warmup") {
            o.warmup = parse_seconds(name, next(), true);
        } else if (name == "--protocol") {
            const auto p = next();
            if (p == "greeting")
                o.protocol = Protocol::greeting;
            else if (p == "echo")
                o.protocol = Protocol::echo;
            else
                throw UsageError("--protocol must be greeting or echo, not '" + std::string(p) +
                                 "'.");
        } else if (name == "--proxy") {
            const auto v = next();
            if (o.mode == Mode::startup || o.mode == Mode::free_port)
                throw UsageError("--proxy is only taken by pingpong, churn and hold.");
            if (v == "v1")
                o.proxy = ProxyVersion::v1;
            else if (v == "v2")
                o.proxy = ProxyVersion::v2;
            else
                throw UsageError("--proxy must be v1 or v2, not '" + std::string(v) + "'.");
        } else if (name == "--pid") {
            o.pid = parse_int(name, next(), 1);
        } else if (name == "--connect-timeout") {
            o.connect_timeout = parse_seconds(name, next(), false);
        } else if (name == "--setup-timeout") {
            o.setup_timeout = parse_seconds(name, next(), false);
        } else if (name == "--timeout") {
            o.reply_timeout = parse_seconds(name, next(), false);
        } else if (name == "--ramp") {
            o.ramp = parse_int(name, next(), 1);
        } else if (name == "--line") {
            o.line = next();
            if (o.line.find_first_of("\r\n") != std::string::npos || o.line.empty() ||
                o.line.find_first_not_of(" \t") == std::string::npos || o.line.front() == ' ' ||
                o.line.front() == '\t' || o.line.back() == ' ' || o.line.back() == '\t' ||
                o.line == "exit")
                throw UsageError(
                    "--line must be one non-empty line without CR, LF, surrounding blanks, or "
                    "the exit command.");
        } else if (name == "-n" || name == "--runs") {
            o.runs = parse_int(name, next(), 1);
        } else if (name == "--server-cpu") {
            o.server_cpu = parse_int(name, next(), 0);
        } else {
            throw UsageError("Unknown option '" + std::string(arg) + "' (see --help).");
        }
    }
    if (o.mode == Mode::startup && o.command.empty())
        throw UsageError("The startup mode needs the server command after --.");
    if (o.mode == Mode::hold && !o.duration_given) o.duration = 0;
    return o;
}

const char* usage_text() {
    return R"(hellod-bench: load generator for hellod and other greeting/echo servers.

usage:
  hellod-bench pingpong [--target HOST:PORT] [-c CONNS] [-d SECONDS] [--warmup SECONDS]
                        [--protocol greeting|echo] [--pid SERVER_PID] [--line TEXT]
                        [--proxy v1|v2]
  hellod-bench churn    [--target HOST:PORT] [-c SLOTS] [-d SECONDS] [--warmup SECONDS]
                        [--protocol greeting|echo] [--pid SERVER_PID] [--proxy v1|v2]
  hellod-bench hold     [--target HOST:PORT] -c N [-d SECONDS] [--pid SERVER_PID]
                        [--proxy v1|v2]
  hellod-bench startup  --target HOST:PORT [-n RUNS] [--server-cpu CPU] -- COMMAND [ARGS...]
  hellod-bench free-port        print a free TCP port on 127.0.0.1

modes:
  pingpong  C connections (welcome read on each); each sends a line and waits for the whole
            reply before the next. Measured after all are up and after --warmup.
  churn     C slots, each looping connect / welcome / "exit" / "Bye!" / EOF / close (RST).
            echo: connect / line / the line back / close. Latency is the whole session.
  hold      open N connections (at most --ramp connects in flight), print "held N" on
            stderr once all answered their welcome, keep them -d seconds (0: until SIGTERM
            or SIGINT), then send one line on each and check every reply.
  startup   run COMMAND -n times; each time, the ms from spawning it until it answers
            (first welcome byte, or an echo round trip), then SIGTERM it and wait.

options:
  --target HOST:PORT     server address, [::1]:PORT for IPv6 (default 127.0.0.1:9999)
  -c N                   connections / slots (default 1)
  -d SECONDS             measured duration, fractional (default 5; hold: 0 = until signal)
  --warmup SECONDS       unmeasured load before the measurement (default 0)
  --protocol P           greeting (default) or echo
  --line TEXT            the line sent in each request (default "bench")
  --proxy v1|v2          each connection first sends a PROXY protocol header of that version
                         (one send, before the welcome), as a balancer would, naming a client
                         that differs per connection (10.x.y.z or fd00::x, and its port);
                         for a server with proxy-protocol-from (default: no header)
  --pid PID              account the server: CPU time over the measured period
                         (server_cpu_pct, server_cpu_us_per_op); hold: VmRSS and threads
  --connect-timeout S    bound on one connect attempt, to the welcome (default 10)
  --setup-timeout S      bound on bringing all connections up (default 120)
  --timeout S            bound on one reply / session step (default 10)
  --ramp N               connects in flight at most (default 256)
  -n RUNS                startup: runs (default 11)
  --server-cpu CPU       startup: pin COMMAND to this CPU

output: one JSON line on stdout (see docs/performance.md, "hellod-bench").
exit status: 0 something was measured (errors are in the JSON), 3 nothing was measured,
             64 usage error, 1 the run could not start (address, descriptors).
)";
}

}  // namespace hellod_bench
