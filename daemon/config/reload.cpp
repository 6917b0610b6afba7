#include "config/reload.hpp"

#include <string>
#include <vector>

#include "config/config_error.hpp"
#include "config/invocation.hpp"
#include "config/setting_table.hpp"
#include "log/log.hpp"

namespace hellod {
namespace {

std::string joined(const std::vector<std::string>& items, std::string_view empty) {
    if (items.empty()) return std::string(empty);
    std::string text;
    for (const auto& item : items)
        text += (text.empty() ? "" : ", ") + item;
    return text;
}

}  // namespace

std::shared_ptr<const Settings> reload_settings(std::span<const char* const> args,
                                                const Environment& env, const Settings& running,
                                                bool sockets_from_systemd) {
    const std::string source = running.config_file.empty() ? "settings" : running.config_file;
    Invocation invocation;
    try {
        invocation = parse_invocation(args, env);
    } catch (const ConfigError& e) {
        HLOG(error) << "reload failed, still running the previous settings: " << e.what();
        return nullptr;
    }
    auto next = std::make_shared<Settings>(std::move(invocation.settings));
    for (const auto& warning : invocation.warnings)
        HLOG(warning) << warning;

    // The sockets are bound once, before anything else: rebinding would mean a moment with no
    // listener, or a second daemon's worth of ports, which is what a restart is for.
    // Under socket activation `listen` is not used at all, so there is nothing to warn about.
    if (next->listen != running.listen && !sockets_from_systemd) {
        HLOG(warning) << "listen changed to " << joined(next->listen, "the default")
                      << "; restart hellod to apply it (still listening on "
                      << joined(running.listen, "the default") << ")";
    }
    next->listen = running.listen;
    if (next->udp_echo != running.udp_echo) {
        HLOG(warning) << "udp-echo changed to " << (next->udp_echo ? "true" : "false")
                      << "; restart hellod to apply it";
        next->udp_echo = running.udp_echo;
    }
    // Who hellod serves as was settled at start-up: after dropping root there is no way back to
    // take another identity, which is the point of dropping it.
    std::vector<std::string> identity;
    if (next->user != running.user) identity.emplace_back("user");
    if (next->group != running.group) identity.emplace_back("group");
    if (next->run_as_root != running.run_as_root) identity.emplace_back("run-as-root");
    if (!identity.empty()) {
        HLOG(warning) << joined(identity, "") << " changed; restart hellod to apply it (still "
                      << "serving as it started)";
        next->user = running.user;
        next->group = running.group;
        next->run_as_root = running.run_as_root;
    }

    const auto changed = changed_settings(running, *next);
    // The new level and format first, so a reload that turns logging up shows its own line, and
    // a pipeline that switched to json gets the reload line as json too. The format is read once
    // per line, so no line is ever half one format and half the other.
    log::set_level(next->log_level);
    log::set_format(next->log_format);
    if (changed.empty()) {
        HLOG(info) << "reloaded " << source << ": nothing changed";
    } else {
        HLOG(info) << "reloaded " << source << ": changed " << joined(changed, "")
                   << "; sessions that start from now on use the new settings";
    }
    return next;
}

}  // namespace hellod
