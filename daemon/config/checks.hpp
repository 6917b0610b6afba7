#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"

namespace hellod {

// The checks across settings, once every source has been applied. A contradiction throws
// ConfigError(invalid) naming both settings; a value that can have no effect adds a warning,
// so that nobody wonders why it changed nothing. `given(name)` says whether a source set it.
void check_settings(const Settings& settings, const std::function<bool(std::string_view)>& given,
                    std::vector<std::string>& warnings);

}  // namespace hellod
