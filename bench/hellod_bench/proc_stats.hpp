#pragma once

#include <sys/types.h>

#include <optional>

namespace hellod_bench {

// What /proc says about another process (the server under test), and our own CPU time.

// utime + stime of every thread of pid, in seconds; nullopt when it cannot be read.
std::optional<double> process_cpu_seconds(pid_t pid);

// VmRSS in KiB and the thread count, from /proc/PID/status.
struct MemoryStatus {
    long rss_kb = 0;
    long threads = 0;
};
std::optional<MemoryStatus> process_memory(pid_t pid);

// This process's user + system CPU time, in seconds.
double own_cpu_seconds();

}  // namespace hellod_bench
