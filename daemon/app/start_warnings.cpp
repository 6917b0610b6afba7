#include "app/start_warnings.hpp"

#include <utility>

#include "os/memory_limit.hpp"
#include "os/readable_as.hpp"

namespace hellod {

std::vector<std::string> start_warnings(const Settings& settings,
                                        const std::optional<Identity>& identity) {
    std::vector<std::string> warnings;
    // Echo reads no lines: max-line-bytes does not bound what its sessions hold.
    const std::size_t line_bytes =
        settings.session.protocol == Protocol::echo ? 0 : settings.session.max_line_bytes;
    if (auto warning =
            memory_capacity_warning(settings.max_connections, line_bytes, available_memory()))
        warnings.push_back(std::move(*warning));
    if (identity)
        if (auto warning = config_access_warning(settings.config_file, *identity))
            warnings.push_back(std::move(*warning));
    return warnings;
}

}  // namespace hellod
