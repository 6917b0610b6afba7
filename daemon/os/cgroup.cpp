#include "os/cgroup.hpp"

#include <fstream>
#include <sstream>

namespace hellod {

std::optional<CgroupPlace> cgroup_place(std::string_view proc_self_cgroup,
                                        std::string_view controller) {
    std::optional<CgroupPlace> unified;
    std::istringstream lines{std::string(proc_self_cgroup)};
    std::string line;
    while (std::getline(lines, line)) {
        // hierarchy-ID:controller-list:cgroup-path (cgroups(7))
        const auto first = line.find(':');
        const auto second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        const std::string controllers = line.substr(first + 1, second - first - 1);
        std::string path = line.substr(second + 1);
        while (!path.empty() && path.back() == '/')
            path.pop_back();
        if (line.compare(0, first, "0") == 0 && controllers.empty())
            unified = CgroupPlace{"/sys/fs/cgroup", path};
        // A v1 hierarchy is mounted under the names of its controllers ("pids", or a
        // comma-joined list such as "cpu,memory" when it has several).
        std::istringstream names(controllers);
        for (std::string name; std::getline(names, name, ',');)
            if (name == controller) return CgroupPlace{"/sys/fs/cgroup/" + controllers, path};
    }
    return unified;
}

std::string own_cgroups() {
    std::ifstream file("/proc/self/cgroup");
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

std::optional<std::uint64_t> cgroup_limit(const std::string& file) {
    std::ifstream in(file);
    std::string value;
    if (!(in >> value) || value == "max") return std::nullopt;
    try {
        return std::stoull(value);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace hellod
