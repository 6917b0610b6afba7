#include "config/environment.hpp"

#include <unistd.h>

#include <algorithm>
#include <string_view>

#include "config/command_line.hpp"
#include "config/setting_table.hpp"
#include "text/escape.hpp"
#include "text/strings.hpp"

namespace hellod {
namespace {

constexpr std::string_view kEnvPrefix = "HELLOD_";

// HELLOD_MAX_CONNECTIONS -> max-connections; nullopt unless the rest is upper case, digits and
// underscores, so that the mapping is one-to-one.
std::optional<std::string> option_name_of(std::string_view variable) {
    if (!variable.starts_with(kEnvPrefix)) return std::nullopt;
    variable.remove_prefix(kEnvPrefix.size());
    if (variable.empty()) return std::nullopt;
    std::string name;
    for (const char c : variable) {
        if (c == '_') {
            name += '-';
        } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            name += ascii_lower(c);
        } else {
            return std::nullopt;
        }
    }
    return name;
}

}  // namespace

std::string variable_name_of(std::string_view option) {
    std::string variable(kEnvPrefix);
    for (const char c : option) {
        variable += c == '-' ? '_' : c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return variable;
}

Environment current_environment() {
    Environment env;
    for (char** entry = environ; entry && *entry; ++entry) {
        const std::string_view text = *entry;
        if (!text.starts_with(kEnvPrefix)) continue;
        const auto eq = text.find('=');
        if (eq == std::string_view::npos) continue;
        // emplace keeps the first of duplicate names, which is the one getenv() returns.
        env.emplace(text.substr(0, eq), text.substr(eq + 1));
    }
    return env;
}

EnvironmentSettings read_environment(const Environment& env) {
    EnvironmentSettings out;
    for (const auto& [variable, value] : env) {
        const auto name = option_name_of(variable);
        if (name == "config") {
            // An empty HELLOD_CONFIG is how a wrapper script says "no file".
            if (!value.empty()) out.config = value;
            continue;
        }
        if (name && find_setting(*name)) {
            out.settings.push_back({*name, value, variable});
            continue;
        }
        std::string warning = "ignoring environment variable " + escaped(variable) + ": ";
        if (name && is_command_line_option(*name)) {
            warning += "--" + *name + " only works on the command line";
        } else if (const auto guess =
                       suggestion(variable.substr(std::min(variable.size(), kEnvPrefix.size())));
                   guess) {
            warning += "no such setting (did you mean " + variable_name_of(*guess) + "?)";
        } else {
            warning += "no such setting";
        }
        out.warnings.push_back(std::move(warning));
    }
    return out;
}

}  // namespace hellod
