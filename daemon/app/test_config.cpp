#include "app/test_config.hpp"

#include <iostream>

#include "net/listener.hpp"
#include "os/identity.hpp"

namespace hellod {

int test_config(const Invocation& invocation) {
    const Settings& settings = invocation.settings;
    net::check_listen_addresses(settings.listen);
    // As nginx -t does: the user and group must exist (whoever runs the check).
    if (!settings.user.empty()) resolve_identity(settings.user, settings.group);
    std::cout << "hellod: settings are valid"
              << (settings.config_file.empty() ? "" : " (" + settings.config_file + ")") << '\n';
    return 0;
}

}  // namespace hellod
