#pragma once

#include <span>
#include <string>
#include <string_view>

#include "log/log.hpp"

// How a log line looks, apart from where it goes: the pure rendering behind log::write and
// log::write_access, so the one file that includes Boost.Log only sends finished lines.
namespace hellod::log {

// The syslog(3) priority of a level (error 3, warning 4, info 6, debug and trace 7).
int syslog_priority(LogLevel level);

// One message as a line (without the newline): the journal's "<N>" priority first when
// `destination` is the journal; then the time and level in text on a terminal, or a json object.
// Fields go after "message" in json, and nowhere in text.
std::string render_line(LogLevel level, std::string_view message, Destination destination,
                        LogFormat format, std::span<const Field> fields = {});

// One access line (at record.level), in the same forms.
std::string render_access(const AccessRecord& record, Destination destination, LogFormat format);

}  // namespace hellod::log
