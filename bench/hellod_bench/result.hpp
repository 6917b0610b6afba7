#pragma once

#include <optional>
#include <string>

#include "errors.hpp"
#include "histogram.hpp"
#include "proc_stats.hpp"

namespace hellod_bench {

// What one pingpong, churn or hold run measured; report.cpp turns it into the JSON line.
struct LoadResult {
    std::string mode;
    int conns = 0;
    int established = 0;  // connections up when the measurement began (pingpong, hold)
    double seconds = 0;   // the measured period
    std::uint64_t ops = 0;
    double rate = 0;  // ops per second (hold: connections established per second)
    Histogram latency;
    ErrorCounts errors;
    double client_cpu_pct = 0;
    std::optional<double> server_cpu_seconds;  // over the measured period, with --pid

    // hold only
    int held = 0;
    int answered = 0;
    double connect_seconds = 0;
    std::optional<MemoryStatus> server_before;  // before the first connect
    std::optional<MemoryStatus> server_held;    // while all were held, before the verify
};

}  // namespace hellod_bench
