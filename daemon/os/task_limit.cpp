#include "os/task_limit.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include "os/cgroup.hpp"

namespace hellod {
namespace {

// The acceptor, two resolver threads and the UDP echo thread.
constexpr std::uint64_t own_threads = 4;

std::optional<std::uint64_t> cgroup_pids_max() {
    const auto path = pids_max_path(own_cgroups());
    if (!path) return std::nullopt;
    return cgroup_limit(*path);
}

}  // namespace

std::optional<std::string> pids_max_path(std::string_view proc_self_cgroup) {
    const auto place = cgroup_place(proc_self_cgroup, "pids");
    if (!place) return std::nullopt;
    return place->directory() + "/pids.max";
}

std::optional<std::uint64_t> task_limit() {
    return task_limit_for(::geteuid() == 0);
}

std::optional<std::uint64_t> task_limit_for(bool root) {
    std::optional<std::uint64_t> limit = cgroup_pids_max();
    rlimit nproc{};
    // The kernel does not hold root to RLIMIT_NPROC.
    if (!root && ::getrlimit(RLIMIT_NPROC, &nproc) == 0 && nproc.rlim_cur != RLIM_INFINITY)
        limit = std::min<std::uint64_t>(limit.value_or(nproc.rlim_cur), nproc.rlim_cur);
    return limit;
}

std::optional<std::string> thread_capacity_warning(std::size_t max_connections,
                                                   std::optional<std::uint64_t> limit) {
    if (!limit) return std::nullopt;
    const std::uint64_t needed = max_connections + own_threads + 1;  // +1: the main thread
    if (needed <= *limit) return std::nullopt;
    const std::uint64_t room = *limit > own_threads + 1 ? *limit - own_threads - 1 : 0;
    return "max-connections " + std::to_string(max_connections) + " needs about " +
           std::to_string(needed) + " threads but the task limit is " + std::to_string(*limit) +
           ", so only about " + std::to_string(room) +
           " sessions fit (the rest are told the server is busy); raise it (TasksMax= under "
           "systemd, ulimit -u) or lower max-connections";
}

}  // namespace hellod
