#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hellod {

// How much memory this process may use, and what says so (for the warning's sentence).
struct MemoryLimit {
    std::uint64_t bytes = 0;
    std::string source;  // "MemAvailable in /proc/meminfo", or the cgroup file that limits it
};

// The least of MemAvailable (/proc/meminfo) and the memory limit of the process's cgroup and of
// each cgroup above it (v2 memory.max; v1 memory.limit_in_bytes); nullopt when none is known.
std::optional<MemoryLimit> available_memory();

// MemAvailable from /proc/meminfo's text, in bytes; nullopt when the line is not there (kernels
// before 3.14) or does not parse.
std::optional<std::uint64_t> mem_available(std::string_view proc_meminfo);

// The files that may hold a memory limit for a process, from /proc/self/cgroup's text: its own
// cgroup's and then each ancestor's, up to the root. The v1 memory controller's hierarchy when
// it is mounted (it is then the one that limits: hybrid setups), else the unified (v2) one.
std::vector<std::string> memory_limit_files(std::string_view proc_self_cgroup);

// The most memory one session can hold, in bytes, when it reads lines of up to max_line_bytes
// (0: it reads no lines, as with protocol echo). See memory_limit.cpp for how it is made up.
std::uint64_t session_memory_bound(std::size_t max_line_bytes);

// "10.7 GiB": one decimal, in the largest binary unit that keeps the number at 1 or more.
std::string memory_amount(std::uint64_t bytes);

// A warning when max_connections sessions, each holding session_memory_bound(max_line_bytes),
// would need more than `available`. max_line_bytes is 0 when the protocol reads no lines.
std::optional<std::string> memory_capacity_warning(std::size_t max_connections,
                                                   std::size_t max_line_bytes,
                                                   const std::optional<MemoryLimit>& available);

}  // namespace hellod
