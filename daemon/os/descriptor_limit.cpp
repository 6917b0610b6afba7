#include "os/descriptor_limit.hpp"

#include <sys/resource.h>

namespace hellod {

namespace {
// stdio, the eventfd, the spare descriptor, log files a library may open: headroom.
constexpr std::size_t reserved_descriptors = 16;
}  // namespace

std::size_t descriptor_limit_if_raised() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
    return limit.rlim_max == RLIM_INFINITY ? static_cast<std::size_t>(-1)
                                           : static_cast<std::size_t>(limit.rlim_max);
}

std::size_t raise_descriptor_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    return limit.rlim_cur == RLIM_INFINITY ? static_cast<std::size_t>(-1)
                                           : static_cast<std::size_t>(limit.rlim_cur);
}

std::optional<std::string> capacity_warning(std::size_t max_connections, std::size_t listeners,
                                            std::size_t descriptor_limit) {
    const std::size_t needed = max_connections + listeners + reserved_descriptors;
    if (needed <= descriptor_limit) return std::nullopt;
    const std::size_t room = descriptor_limit > listeners + reserved_descriptors
                                 ? descriptor_limit - listeners - reserved_descriptors
                                 : 0;
    return "max-connections " + std::to_string(max_connections) + " needs about " +
           std::to_string(needed) + " descriptors but the limit is " +
           std::to_string(descriptor_limit) + ", so only about " + std::to_string(room) +
           " sessions fit; raise it (ulimit -n, or LimitNOFILE= under systemd) or lower "
           "max-connections";
}

}  // namespace hellod
