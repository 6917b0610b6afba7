#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hellod {

// Where a process's cgroup is, for one controller, from /proc/self/cgroup's text: the hierarchy
// of cgroup v1's `controller` when it is mounted (on hybrid setups it is the one that limits),
// else the unified (v2) one. `mount` is its root under /sys/fs/cgroup, `path` the process's
// cgroup below it ("" for the root, never ending in '/').
struct CgroupPlace {
    std::string mount;
    std::string path;
    std::string directory() const { return mount + path; }
};
std::optional<CgroupPlace> cgroup_place(std::string_view proc_self_cgroup,
                                        std::string_view controller);

// This process's /proc/self/cgroup.
std::string own_cgroups();

// A cgroup limit file's value (pids.max, memory.max, memory.limit_in_bytes): a number, or
// nullopt for "max", a file that is not there, or anything else.
std::optional<std::uint64_t> cgroup_limit(const std::string& file);

}  // namespace hellod
