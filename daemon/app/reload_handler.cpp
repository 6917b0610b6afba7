#include "app/reload_handler.hpp"

#include "config/reload.hpp"
#include "log/log.hpp"

namespace hellod {

void use_log_settings(const Settings& settings) {
    log::set_level(settings.log_level);
    log::set_format(settings.log_format);
}

std::shared_ptr<const Settings> reload_and_report(std::span<const char* const> args,
                                                  const Environment& env, const Settings& running,
                                                  bool sockets_from_systemd) {
    const ReloadResult result = reload_settings(args, env, running, sockets_from_systemd);
    if (!result.next) {
        const log::Field why[] = {log::text_field("error", result.error)};
        log::write(LogLevel::error,
                   "reload failed, still running the previous settings: " + result.error, why);
        return nullptr;
    }
    for (const auto& warning : result.warnings)
        HLOG(warning) << warning;
    // The new level and format first, so a reload that turns logging up shows its own line, and
    // a pipeline that switched to json gets the reload line as json too. The format is read once
    // per line, so no line is ever half one format and half the other.
    use_log_settings(*result.next);
    log::write(LogLevel::info, result.summary, result.fields);
    return result.next;
}

}  // namespace hellod
