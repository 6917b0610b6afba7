#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "plan.hpp"

namespace hellod_soak {

// How a client's session ended, when it ended as it may.
enum class Outcome {
    complete,    // every byte as expected, then the server's close
    prefix,      // the client left first; what it read was right so far
    shutdown,    // the shutdown line at a line boundary, then the close (SIGTERM test)
    cut,         // slow reader: the server gave up on it (write timeout, or the shutdown cut)
    not_served,  // refused, or reset before a byte: it was still queued when SIGTERM came
};
inline constexpr std::size_t kOutcomes = 5;

struct KindTally {
    std::uint64_t started = 0;
    std::uint64_t failed = 0;
    std::array<std::uint64_t, kOutcomes> outcomes{};
    std::uint64_t server_lines = 0;   // lines checked in complete sessions, welcome aside
    std::uint64_t bytes_checked = 0;  // bytes received and checked
    std::uint64_t ok() const {
        std::uint64_t n = 0;
        for (const auto o : outcomes)
            n += o;
        return n;
    }
};

struct Failure {
    std::uint64_t session = 0;
    Kind kind = Kind::well_behaved;
    std::string variant;
    std::string what;
};

// Seconds, smallest and largest seen.
struct Span {
    double min = std::numeric_limits<double>::infinity();
    double max = 0;
    void add(double s) {
        if (s < min) min = s;
        if (s > max) max = s;
    }
    bool empty() const { return max == 0 && min == std::numeric_limits<double>::infinity(); }
};

struct Tally {
    std::array<KindTally, kKinds> kinds{};
    std::array<std::uint64_t, 2> welcomes{};  // sessions that got the first / second welcome
    std::uint64_t failed = 0;
    std::vector<Failure> failures;  // the first few, in full
    Span idle_close;                // stall: last byte sent to the idle close
    Span write_timeout_close;       // slow reader: connect to the server giving up
    Span shutdown_close;            // SIGTERM to the close, any session still open then

    std::uint64_t started() const {
        std::uint64_t n = 0;
        for (const auto& k : kinds)
            n += k.started;
        return n;
    }
    std::uint64_t ended() const {
        std::uint64_t n = failed;
        for (const auto& k : kinds)
            n += k.ok();
        return n;
    }
    std::uint64_t outcome(Outcome o) const {
        std::uint64_t n = 0;
        for (const auto& k : kinds)
            n += k.outcomes[static_cast<std::size_t>(o)];
        return n;
    }
};

}  // namespace hellod_soak
