#include "os/task_limit.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace hellod {
namespace {

// The acceptor, two resolver threads and the UDP echo thread.
constexpr std::uint64_t own_threads = 4;

std::optional<std::uint64_t> cgroup_pids_max() {
    std::ifstream cgroup("/proc/self/cgroup");
    std::ostringstream text;
    text << cgroup.rdbuf();
    const auto path = pids_max_path(text.str());
    if (!path) return std::nullopt;
    std::ifstream file(*path);
    std::string value;
    if (!(file >> value) || value == "max") return std::nullopt;
    try {
        return std::stoull(value);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace

std::optional<std::string> pids_max_path(std::string_view proc_self_cgroup) {
    std::optional<std::string> unified;
    std::istringstream lines{std::string(proc_self_cgroup)};
    std::string line;
    while (std::getline(lines, line)) {
        const auto first = line.find(':');
        const auto second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        const std::string controllers = line.substr(first + 1, second - first - 1);
        std::string path = line.substr(second + 1);
        if (path == "/") path.clear();
        if (line.compare(0, first, "0") == 0 && controllers.empty())
            unified = "/sys/fs/cgroup" + path + "/pids.max";
        // A v1 pids hierarchy, when mounted, is the one that limits (hybrid setups).
        if (controllers == "pids") return "/sys/fs/cgroup/pids" + path + "/pids.max";
    }
    return unified;
}

std::optional<std::uint64_t> task_limit() {
    std::optional<std::uint64_t> limit = cgroup_pids_max();
    rlimit nproc{};
    // The kernel does not hold root to RLIMIT_NPROC.
    if (::geteuid() != 0 && ::getrlimit(RLIMIT_NPROC, &nproc) == 0 &&
        nproc.rlim_cur != RLIM_INFINITY)
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
