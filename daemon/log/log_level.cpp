#include "log/log_level.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "text/strings.hpp"

namespace hellod {

namespace {

constexpr std::array<std::pair<std::string_view, LogLevel>, 6> kNames{{
    {"trace", LogLevel::trace},
    {"debug", LogLevel::debug},
    {"info", LogLevel::info},
    {"warning", LogLevel::warning},
    {"warn", LogLevel::warning},
    {"error", LogLevel::error},
}};

}  // namespace

// Case is ignored because operators type "INFO" as often as "info" and nothing is gained by
// refusing it.
std::optional<LogLevel> parse_log_level(std::string_view name) {
    for (const auto& [text, level] : kNames) {
        if (equals_ignoring_case(text, name)) return level;
    }
    return std::nullopt;
}

std::string_view to_string(LogLevel level) {
    switch (level) {
        case LogLevel::trace:
            return "trace";
        case LogLevel::debug:
            return "debug";
        case LogLevel::info:
            return "info";
        case LogLevel::warning:
            return "warning";
        case LogLevel::error:
            return "error";
    }
    return "info";  // unreachable for valid enumerators; keeps -Wreturn-type quiet
}

std::optional<LogFormat> parse_log_format(std::string_view name) {
    if (equals_ignoring_case(name, "text")) return LogFormat::text;
    if (equals_ignoring_case(name, "json")) return LogFormat::json;
    return std::nullopt;
}

std::string_view to_string(LogFormat format) {
    return format == LogFormat::json ? "json" : "text";
}

}  // namespace hellod
