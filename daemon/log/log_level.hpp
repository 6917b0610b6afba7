#pragma once

#include <optional>
#include <string_view>

namespace hellod {

enum class LogLevel { trace, debug, info, warning, error };

// "trace", "debug", "info", "warning" (or "warn"), "error"; nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view name);
std::string_view to_string(LogLevel level);

// text: lines for people (timestamp, level, message); json: one object per line, for a log
// pipeline to parse without rules.
enum class LogFormat { text, json };

// "text" or "json", in any case; nullopt for anything else.
std::optional<LogFormat> parse_log_format(std::string_view name);
std::string_view to_string(LogFormat format);

}  // namespace hellod
