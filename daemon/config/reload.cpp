#include "config/reload.hpp"

#include "config/config_error.hpp"
#include "config/invocation.hpp"
#include "config/setting_table.hpp"
#include "text/strings.hpp"

namespace hellod {
namespace {

std::string addresses(const std::vector<std::string>& listen) {
    return listen.empty() ? "the default" : join(listen);
}

// The sockets are bound once, before anything else: rebinding would mean a moment with no
// listener, or a second daemon's worth of ports, which is what a restart is for. And who hellod
// serves as was settled at start-up: after dropping root there is no way back to take another
// identity, which is the point of dropping it.
void keep_what_needs_a_restart(Settings& next, const Settings& running, bool sockets_from_systemd,
                               std::vector<std::string>& warnings) {
    // Under socket activation `listen` is not used at all, so there is nothing to warn about.
    if (next.listen != running.listen && !sockets_from_systemd) {
        warnings.push_back("listen changed to " + addresses(next.listen) +
                           "; restart hellod to apply it (still listening on " +
                           addresses(running.listen) + ")");
    }
    next.listen = running.listen;
    // hellod binds the metrics endpoint itself even under socket activation.
    if (next.metrics_listen != running.metrics_listen) {
        warnings.push_back(
            "metrics-listen changed to " +
            (next.metrics_listen.empty() ? std::string("off") : join(next.metrics_listen)) +
            "; restart hellod to apply it (metrics still on " +
            (running.metrics_listen.empty() ? std::string("nothing")
                                            : join(running.metrics_listen)) +
            ")");
        next.metrics_listen = running.metrics_listen;
    }
    if (next.udp_echo != running.udp_echo) {
        warnings.push_back(std::string("udp-echo changed to ") +
                           (next.udp_echo ? "true" : "false") + "; restart hellod to apply it");
        next.udp_echo = running.udp_echo;
    }
    std::vector<std::string> identity;
    if (next.user != running.user) identity.emplace_back("user");
    if (next.group != running.group) identity.emplace_back("group");
    if (next.run_as_root != running.run_as_root) identity.emplace_back("run-as-root");
    if (!identity.empty()) {
        warnings.push_back(join(identity) +
                           " changed; restart hellod to apply it (still serving as it started)");
        next.user = running.user;
        next.group = running.group;
        next.run_as_root = running.run_as_root;
    }
}

}  // namespace

ReloadResult reload_settings(std::span<const char* const> args, const Environment& env,
                             const Settings& running, bool sockets_from_systemd) {
    ReloadResult result;
    Invocation invocation;
    try {
        invocation = parse_invocation(args, env);
    } catch (const ConfigError& e) {
        result.error = e.what();
        return result;
    }
    auto next = std::make_shared<Settings>(std::move(invocation.settings));
    result.warnings = std::move(invocation.warnings);
    keep_what_needs_a_restart(*next, running, sockets_from_systemd, result.warnings);
    result.changed = changed_settings(running, *next);
    const std::string source = running.config_file.empty() ? "settings" : running.config_file;
    result.summary = result.changed.empty()
                         ? "reloaded " + source + ": nothing changed"
                         : "reloaded " + source + ": changed " + join(result.changed) +
                               "; sessions that start from now on use the new settings";
    result.fields = {log::text_field("config", running.config_file),
                     log::text_field("changed", join(result.changed, ","))};
    result.next = std::move(next);
    return result;
}

}  // namespace hellod
