#include "app/test_config.hpp"

#include <iostream>

#include "log/log.hpp"
#include "net/listener.hpp"
#include "os/memory_limit.hpp"
#include "os/readable_as.hpp"
#include "text/escape.hpp"

namespace hellod {
namespace {

// As report_fatal writes the fatal sentence: the log's format and destination, before any log.
void print_warning(const std::string& sentence) {
    if (!log::enabled(LogLevel::warning)) return;
    const auto destination = log::detect_destination();
    if (log::format() == LogFormat::json) {
        std::cerr << log::render(LogLevel::warning, sentence, destination) + '\n';
        return;
    }
    std::string line =
        destination == log::Destination::journal ? "<4>hellod: warning: " : "hellod: warning: ";
    append_one_line(line, sentence);
    std::cerr << line + '\n';
}

}  // namespace

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

int test_config(const Invocation& invocation) {
    const Settings& settings = invocation.settings;
    net::check_listen_addresses(settings.listen);
    // As nginx -t does: the user and group must exist (whoever runs the check).
    std::optional<Identity> identity;
    if (!settings.user.empty()) identity = resolve_identity(settings.user, settings.group);
    for (const auto& warning : invocation.warnings)
        print_warning(warning);
    // Under --inetd each hellod serves one session and reads its settings once.
    if (!invocation.inetd)
        for (const auto& warning : start_warnings(settings, identity))
            print_warning(warning);
    std::cout << "hellod: settings are valid"
              << (settings.config_file.empty() ? "" : " (" + settings.config_file + ")") << '\n';
    return 0;
}

}  // namespace hellod
