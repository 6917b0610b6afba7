#pragma once

#include <sys/types.h>

#include <optional>

namespace hellod_soak {

// What /proc says about the daemon: the figures the soak compares before and after.
struct ProcessStats {
    long descriptors = 0;    // entries in /proc/PID/fd
    long threads = 0;        // Threads: in /proc/PID/status
    long rss_kib = 0;        // VmRSS: in /proc/PID/status
    double cpu_seconds = 0;  // utime + stime from /proc/PID/stat
};

// nullopt once the process is gone.
std::optional<ProcessStats> read_process_stats(pid_t pid);

// This process's user + system CPU time.
double own_cpu_seconds();

}  // namespace hellod_soak
