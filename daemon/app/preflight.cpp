#include "app/preflight.hpp"

#include <unistd.h>

#include <utility>

#include "net/listen_overlap.hpp"
#include "os/descriptor_limit.hpp"
#include "os/memory_limit.hpp"
#include "os/privileges.hpp"
#include "os/readable_as.hpp"
#include "os/task_limit.hpp"

namespace hellod {
namespace {

std::vector<net::NamedListen> named(const Settings& settings, bool activated) {
    std::vector<net::NamedListen> out;
    if (!activated)
        for (const auto& spec : settings.listen)
            out.push_back({"listen", spec});
    for (const auto& spec : settings.metrics_listen)
        out.push_back({"metrics-listen", spec});
    return out;
}

}  // namespace

Preflight preflight(const Invocation& invocation, bool activated) {
    const Settings& settings = invocation.settings;
    Preflight out;
    out.warnings = invocation.warnings;
    // Decided before anything is bound, so a refusal leaves no port taken even for a moment.
    out.identity = identity_to_serve_as({settings.user, settings.group, settings.run_as_root},
                                        current_credentials());
    if (!out.identity && ::geteuid() == 0)
        out.warnings.emplace_back(
            "serving as root (run-as-root): every session runs with root's privileges; --user "
            "drops them once the sockets are bound");
    if (invocation.inetd) {
        // The connection is the only socket; a process per session has nothing to count for a
        // scraper, and reads its settings once.
        if (settings.udp_echo) out.warnings.emplace_back("udp-echo does nothing with --inetd");
        if (!settings.metrics_listen.empty())
            out.warnings.emplace_back("metrics-listen does nothing with --inetd");
        return out;
    }
    net::check_no_overlap(named(settings, activated));
    // Echo reads no lines: max-line-bytes does not bound what its sessions hold.
    const std::size_t line_bytes =
        settings.session.protocol == Protocol::echo ? 0 : settings.session.max_line_bytes;
    if (auto warning =
            memory_capacity_warning(settings.max_connections, line_bytes, available_memory()))
        out.warnings.push_back(std::move(*warning));
    if (out.identity)
        if (auto warning = config_access_warning(settings.config_file, *out.identity))
            out.warnings.push_back(std::move(*warning));
    return out;
}

std::vector<std::string> capacity_warnings(const Settings& settings, std::size_t listeners,
                                           std::size_t descriptors,
                                           std::optional<std::uint64_t> tasks) {
    std::vector<std::string> out;
    if (auto warning = capacity_warning(settings.max_connections, listeners, descriptors))
        out.push_back(std::move(*warning));
    if (auto warning = thread_capacity_warning(settings.max_connections, tasks))
        out.push_back(std::move(*warning));
    return out;
}

}  // namespace hellod
