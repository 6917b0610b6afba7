#include "app/test_config.hpp"

#include <iostream>
#include <optional>

#include "app/fatal_error.hpp"
#include "app/start_warnings.hpp"
#include "net/error.hpp"
#include "net/listener.hpp"
#include "os/identity.hpp"

namespace hellod {

int test_config(const Invocation& invocation) {
    const Settings& settings = invocation.settings;
    net::check_listen_addresses(settings.listen);
    if (!settings.metrics_listen.empty()) {
        try {
            net::check_listen_addresses(settings.metrics_listen);
        } catch (const net::Error& e) {
            throw net::Error(e.kind(), e.error_number(),
                             std::string("metrics-listen: ") + e.what());
        }
    }
    // As nginx -t does: the user and group must exist (whoever runs the check).
    std::optional<Identity> identity;
    if (!settings.user.empty()) identity = resolve_identity(settings.user, settings.group);
    for (const auto& warning : invocation.warnings)
        report(LogLevel::warning, warning);
    // Under --inetd each hellod serves one session and reads its settings once.
    if (!invocation.inetd)
        for (const auto& warning : start_warnings(settings, identity))
            report(LogLevel::warning, warning);
    std::cout << "hellod: settings are valid"
              << (settings.config_file.empty() ? "" : " (" + settings.config_file + ")") << '\n';
    return 0;
}

}  // namespace hellod
