#include "options.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace hellod_soak {

namespace {

constexpr const char* kUsage =
    "usage: hellod-soak load|sigterm --hellod PATH [options] [-- HELLOD_ARGS...]\n"
    "\n"
    "Starts the hellod at PATH on a loopback port with a config file of its own and runs\n"
    "  load     SESSIONS sessions over SECONDS: well-behaved, exit, drop, reset, stall, garbage\n"
    "           and slow-reader clients mixed at random, every reply checked byte for byte,\n"
    "           SIGHUP reloads meanwhile; then descriptors, threads and RSS must return to idle\n"
    "  sigterm  OPEN sessions mid-conversation (some stalled, some not reading) and short ones\n"
    "           coming and going, then SIGTERM: exit 0 in time and no client left hanging\n"
    "Prints its figures and PASS or FAIL; exit 0 on PASS, 1 on FAIL, 64 on a usage error.\n"
    "\n"
    "  --seed N               replay the sessions of an earlier run (default: a new seed)\n"
    "  --sessions N           load: sessions in all (100000)\n"
    "  --seconds S            load: spread over this long (150)\n"
    "  --concurrency N        load: sessions open at once, at most (256)\n"
    "  --max-stalled N        load: stalled sessions at once, at most (64)\n"
    "  --max-slow N           load: slow readers at once, at most (4)\n"
    "  --idle-timeout S       load: hellod's idle-timeout (2)\n"
    "  --write-timeout S      load: hellod's write-timeout (1)\n"
    "  --reload-interval S    load: SIGHUP this often (0.5)\n"
    "  --settle-timeout S     load: wait this long for the figures to return to idle (30)\n"
    "  --rss-bound KIB|off    load: RSS after may exceed idle by this much (8192)\n"
    "  --warm-up              load: measure idle after a first session's worker has ended\n"
    "                         (for sanitizer builds, whose runtime adds a thread then)\n"
    "  --open N               sigterm: sessions open at the signal (300)\n"
    "  --shutdown-timeout S   sigterm: hellod's shutdown-timeout (3)\n"
    "  --margin S             sigterm: on top of it for the exit and the clients (3)\n"
    "  --client-timeout S     an ordinary session's whole life, at most (15)\n"
    "  --keep                 keep the temporary directory with hellod's log and config\n";

std::string number_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

std::size_t whole_number(std::string_view option, std::string_view text, std::size_t low,
                         std::size_t high) {
    std::size_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < low || value > high)
        throw UsageError(std::string(option) + ": '" + std::string(text) +
                         "' is not a whole number from " + std::to_string(low) + " to " +
                         std::to_string(high));
    return value;
}

double seconds(std::string_view option, std::string_view text, double low, double high) {
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
        value < low || value > high)
        throw UsageError(std::string(option) + ": '" + std::string(text) +
                         "' is not a number of seconds from " + number_text(low) + " to " +
                         number_text(high));
    return value;
}

}  // namespace

std::optional<Options> parse_options(std::span<char* const> args) {
    Options o;
    if (args.size() < 2) throw UsageError("name a scenario: load or sigterm (see --help)");
    std::size_t i = 1;
    const std::string_view scenario = args[i++];
    if (scenario == "--help" || scenario == "-h") {
        std::fputs(kUsage, stdout);
        return std::nullopt;
    }
    if (scenario == "load") {
        o.scenario = Scenario::load;
    } else if (scenario == "sigterm") {
        o.scenario = Scenario::sigterm;
    } else {
        throw UsageError("'" + std::string(scenario) + "' is not a scenario: load or sigterm");
    }
    for (; i < args.size(); ++i) {
        const std::string_view option = args[i];
        if (option == "--") {
            for (++i; i < args.size(); ++i)
                o.hellod_args.emplace_back(args[i]);
            break;
        }
        if (option == "--help" || option == "-h") {
            std::fputs(kUsage, stdout);
            return std::nullopt;
        }
        if (option == "--keep") {
            o.keep = true;
            continue;
        }
        if (option == "--warm-up") {
            o.warm_up = true;
            continue;
        }
        if (i + 1 >= args.size()) throw UsageError(std::string(option) + " needs a value");
        const std::string_view value = args[++i];
        if (option == "--hellod") {
            o.hellod = value;
        } else if (option == "--seed") {
            o.seed = whole_number(option, value, 0, SIZE_MAX);
        } else if (option == "--sessions") {
            o.sessions = whole_number(option, value, 1, 100'000'000);
        } else if (option == "--seconds") {
            o.seconds = seconds(option, value, 0.001, 86400);
        } else if (option == "--concurrency") {
            o.concurrency = whole_number(option, value, 1, 20'000);
        } else if (option == "--max-stalled") {
            o.max_stalled = whole_number(option, value, 1, 20'000);
        } else if (option == "--max-slow") {
            o.max_slow = whole_number(option, value, 1, 1'000);
        } else if (option == "--idle-timeout") {
            o.idle_timeout = seconds(option, value, 0.1, 3600);
        } else if (option == "--write-timeout") {
            o.write_timeout = seconds(option, value, 0.1, 3600);
        } else if (option == "--reload-interval") {
            o.reload_interval = seconds(option, value, 0.01, 3600);
        } else if (option == "--settle-timeout") {
            o.settle_timeout = seconds(option, value, 0, 3600);
        } else if (option == "--rss-bound") {
            if (value == "off") {
                o.rss_bound_kib.reset();
            } else {
                o.rss_bound_kib = static_cast<long>(whole_number(option, value, 0, 1 << 30));
            }
        } else if (option == "--open") {
            o.open = whole_number(option, value, 1, 20'000);
        } else if (option == "--shutdown-timeout") {
            o.shutdown_timeout = seconds(option, value, 0.1, 3600);
        } else if (option == "--margin") {
            o.margin = seconds(option, value, 0, 3600);
        } else if (option == "--client-timeout") {
            o.client_timeout = seconds(option, value, 0.1, 3600);
        } else {
            throw UsageError("unknown option " + std::string(option) + " (see --help)");
        }
    }
    if (o.hellod.empty()) throw UsageError("--hellod: name the hellod binary to test");
    return o;
}

}  // namespace hellod_soak
