#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace hellod_soak {

enum class Scenario { load, sigterm };

struct Options {
    Scenario scenario = Scenario::load;
    std::string hellod;                 // --hellod: the binary under test
    std::optional<std::uint64_t> seed;  // --seed: replay a run (else a fresh one, printed)
    // load
    std::size_t sessions = 100'000;
    double seconds = 150;  // the sessions are spread over this long
    std::size_t concurrency = 256;
    std::size_t max_stalled = 64;
    std::size_t max_slow = 4;
    double idle_timeout = 2;
    double write_timeout = 1;
    double reload_interval = 0.5;
    double settle_timeout = 30;  // after the load: descriptors, threads and RSS back by then
    std::optional<long> rss_bound_kib = 8192;  // after - idle; nullopt: reported, not checked
    // Idle measured after one session and its worker have come and gone, not at start-up: a
    // sanitizer's runtime starts a thread of its own with the daemon's first thread.
    bool warm_up = false;
    // sigterm
    std::size_t open = 300;  // long-lived sessions open when SIGTERM comes
    double shutdown_timeout = 3;
    double margin = 3;  // on top of shutdown-timeout, for the exit and every client's end
    // both
    double client_timeout = 15;            // any ordinary session, from connect to close
    bool keep = false;                     // --keep: keep the temporary directory (log, config)
    std::vector<std::string> hellod_args;  // after "--": appended to hellod's command line
};

// A mistake on the command line: one sentence naming the option (exit 64).
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Throws UsageError; returns nullopt for --help (after printing the usage).
std::optional<Options> parse_options(std::span<char* const> args);

}  // namespace hellod_soak
