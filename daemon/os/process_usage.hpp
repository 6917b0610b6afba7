#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hellod {

// What the process uses, as every Prometheus client library exports it (process_*): read from
// /proc at scrape time, so it costs nothing between scrapes.
struct ProcessUsage {
    double cpu_seconds = 0;  // user + system
    std::uint64_t resident_bytes = 0;
    std::uint64_t virtual_bytes = 0;
    std::uint64_t open_fds = 0;
    std::uint64_t max_fds = 0;  // the soft RLIMIT_NOFILE
    std::uint64_t threads = 0;
    double start_time_seconds = 0;  // since the epoch
};

// The calling process's usage; fields it cannot read stay 0.
ProcessUsage process_usage();

// Parses /proc/<pid>/stat's text (fields after the parenthesised command name, which may hold
// spaces and parentheses itself) given the clock ticks a second, the page size and the boot
// time (/proc/stat's btime). nullopt when the text is not a stat line.
std::optional<ProcessUsage> parse_proc_stat(std::string_view stat, long ticks_per_second,
                                            long page_size, std::uint64_t boot_time);

}  // namespace hellod
