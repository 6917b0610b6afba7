#include "app/test_config.hpp"

#include <unistd.h>

#include <iostream>

#include "app/fatal_error.hpp"
#include "app/preflight.hpp"
#include "net/error.hpp"
#include "net/listener.hpp"
#include "os/descriptor_limit.hpp"
#include "os/task_limit.hpp"

namespace hellod {
namespace {

std::size_t check_metrics_listen(const Settings& settings) {
    if (settings.metrics_listen.empty()) return 0;
    try {
        return net::check_listen_addresses(settings.metrics_listen);
    } catch (const net::Error& e) {
        throw net::Error(e.kind(), e.error_number(), std::string("metrics-listen: ") + e.what());
    }
}

}  // namespace

int test_config(const Invocation& invocation) {
    const Settings& settings = invocation.settings;
    // As nginx -t does, and more: whatever the start would refuse, -t refuses, and it warns
    // where the start would warn (app/preflight), from this machine's limits, as if this
    // process started hellod. Only "address already in use" is left to the start: the running
    // hellod -t is asked about holds the addresses.
    std::size_t sockets = 0;
    if (!invocation.inetd) sockets = net::check_listen_addresses(settings.listen);
    (void)check_metrics_listen(settings);
    auto checked = preflight(invocation, false);
    if (!invocation.inetd) {
        const bool as_root = checked.identity ? checked.identity->uid == 0 : ::geteuid() == 0;
        for (auto& warning : capacity_warnings(settings, sockets, descriptor_limit_if_raised(),
                                               task_limit_for(as_root)))
            checked.warnings.push_back(std::move(warning));
    }
    for (const auto& warning : checked.warnings)
        report(LogLevel::warning, warning);
    std::cout << "hellod: settings are valid"
              << (settings.config_file.empty() ? "" : " (" + settings.config_file + ")")
              << (checked.warnings.empty()
                      ? ""
                      : ", with " + std::to_string(checked.warnings.size()) +
                            (checked.warnings.size() == 1 ? " warning" : " warnings"))
              << '\n';
    return 0;
}

}  // namespace hellod
