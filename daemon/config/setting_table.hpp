#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"

namespace hellod {

// One row per setting. The command line's options, the HELLOD_* names, --help, the config file's
// keys, --print-config and the reload's list of changes are all built from this one table, in
// its order, so a setting is added in one place.
struct SettingDef {
    using ApplyFn = void (*)(Settings&, std::string_view);
    using ShowFn = std::string (*)(const Settings&);
    using ListFn = std::vector<std::string> (*)(const Settings&);

    const char* name;
    char short_name;  // 0 for none
    const char* value_name;
    const char* help;
    ApplyFn apply;  // parses one value into the settings; a repeatable setting appends
    ShowFn show;    // the value as text; nullptr for a repeatable setting, which has no one value
    // A repeatable setting (listen, allow, deny): its values, one per config line, and what an
    // empty list means, for --print-config.
    ListFn list = nullptr;
    const char* unset_note = nullptr;
};

std::span<const SettingDef> setting_defs();
const SettingDef* find_setting(std::string_view name);

// The closest setting name, if one is close enough to be a likely typo of `name` ("did you
// mean"); '_' and '-' and letter case count as equal.
std::optional<std::string> suggestion(std::string_view name);

// The names of the settings that differ between `before` and `after`, in the table's order.
std::vector<std::string> changed_settings(const Settings& before, const Settings& after);

}  // namespace hellod
