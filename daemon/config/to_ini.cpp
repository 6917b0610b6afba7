#include "config/to_ini.hpp"

#include "config/config_file.hpp"
#include "config/setting_table.hpp"

namespace hellod {

std::string to_ini(const Settings& settings) {
    std::string out = "# hellod settings, as read back by hellod --config FILE\n";
    for (const auto& def : setting_defs()) {
        if (def.show) {
            out += std::string(def.name) + " = " + quote_config_value(def.show(settings)) + "\n";
            continue;
        }
        const auto values = def.list(settings);
        if (values.empty()) out += std::string("# ") + def.name + " = (" + def.unset_note + ")\n";
        for (const auto& value : values)
            out += std::string(def.name) + " = " + quote_config_value(value) + "\n";
    }
    return out;
}

}  // namespace hellod
