#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hellod {

// The most threads this process may run, from what limits it: its cgroup's pids.max (systemd's
// TasksMax=, about 4915 by default) and, unless it is root, RLIMIT_NPROC. nullopt when neither
// does. Every session is a thread, so this bounds max-connections as descriptors do.
std::optional<std::uint64_t> task_limit();
// The same for a process serving as root (`root`) or as another user, from this one's limits:
// what --test-config predicts for the user the start will become.
std::optional<std::uint64_t> task_limit_for(bool root);

// The pids.max line for a process from /proc/self/cgroup's text: the cgroup v2 entry ("0::/x")
// or the v1 pids controller's ("N:pids:/x"), as a path under /sys/fs/cgroup.
std::optional<std::string> pids_max_path(std::string_view proc_self_cgroup);

// A warning when max-connections sessions (one thread each, besides the daemon's own few) would
// not fit under `limit` threads.
std::optional<std::string> thread_capacity_warning(std::size_t max_connections,
                                                   std::optional<std::uint64_t> limit);

}  // namespace hellod
