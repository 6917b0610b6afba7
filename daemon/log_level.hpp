#pragma once

#include <optional>
#include <string_view>

namespace hellod {

enum class LogLevel { trace, debug, info, warning, error };

// "trace", "debug", "info", "warning" (or "warn"), "error"; nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view name);
std::string_view to_string(LogLevel level);

}  // namespace hellod
