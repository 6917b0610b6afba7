#pragma once

#include <sys/types.h>

#include <optional>

#include "proc_stats.hpp"

namespace hellod_soak {

// What /proc says about the daemon: the figures the soak compares before and after.
struct ProcessStats {
    long descriptors = 0;    // entries in /proc/PID/fd
    long threads = 0;        // Threads: in /proc/PID/status
    long rss_kib = 0;        // VmRSS: in /proc/PID/status
    double cpu_seconds = 0;  // utime + stime from /proc/PID/stat
};

// nullopt once the process is gone. The /proc/PID/status and stat parts are hellod-bench's
// reader (bench/hellod_bench/proc_stats.*); this adds the descriptor count.
std::optional<ProcessStats> read_process_stats(pid_t pid);

using hellod_bench::own_cpu_seconds;

}  // namespace hellod_soak
