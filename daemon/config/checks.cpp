#include "config/checks.hpp"

#include "config/config_error.hpp"
#include "config/setting_table.hpp"

namespace hellod {
namespace {

// Settings the chosen protocol has no use for: raw framing of echo is a contradiction (echo has
// no messages), the rest are warned about, so that nobody wonders why a set value has no effect.
void check_protocol_fit(const Settings& settings,
                        const std::function<bool(std::string_view)>& given,
                        std::vector<std::string>& warnings) {
    // Only a value that would make a difference: --print-config writes every key, and its output
    // must load without warnings.
    const Settings defaults;
    const auto ignored = [&](const char* name, const char* protocol) {
        const auto* def = find_setting(name);
        const bool set = given(name);
        const bool inert = std::string_view(name) == "welcome"
                               ? settings.session.welcome.empty()
                               : def->show(settings) == def->show(defaults);
        if (set && !inert)
            warnings.push_back(std::string(name) + " is ignored by protocol " + protocol);
    };
    switch (settings.session.protocol) {
        case Protocol::echo:
            if (settings.session.framing == Framing::raw) {
                throw ConfigError(ConfigError::Kind::invalid,
                                  "framing: raw applies to the greeting and timestamp protocols; "
                                  "echo sends every byte back and has no messages to frame");
            }
            for (const char* name :
                 {"welcome", "reply", "exit-command", "farewell", "max-line-bytes"})
                ignored(name, "echo");
            break;
        case Protocol::timestamp:
            ignored("reply", "timestamp");
            break;
        case Protocol::greeting:
            break;
    }
    if (settings.session.protocol != Protocol::echo &&
        settings.session.exit_command.size() > settings.session.max_line_bytes) {
        warnings.push_back(
            "exit-command is " + std::to_string(settings.session.exit_command.size()) +
            " bytes but max-line-bytes is " + std::to_string(settings.session.max_line_bytes) +
            ", so clients can never send it; sessions end only when they close");
    }
}

}  // namespace

void check_settings(const Settings& settings, const std::function<bool(std::string_view)>& given,
                    std::vector<std::string>& warnings) {
    check_protocol_fit(settings, given, warnings);
    if (!settings.group.empty() && settings.user.empty()) {
        throw ConfigError(ConfigError::Kind::invalid,
                          "group is set but user is not: hellod changes its group only when it "
                          "drops root for --user");
    }
    for (auto& warning : settings.access.warnings())
        warnings.push_back(std::move(warning));
}

}  // namespace hellod
