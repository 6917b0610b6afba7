#include "log/line_format.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include "text/escape.hpp"
#include "text/json_escape.hpp"

namespace hellod::log {
namespace {

// Appends `value` in decimal, at least `width` digits (zero-padded).
void append_number(std::string& out, std::uint64_t value, int width = 1) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    for (auto n = static_cast<int>(end - digits); n < width; ++n)
        out += '0';
    out.append(digits, end);
}

// 2026-11-21T05:24:07.123+00:00: local time, as operators read it, with the offset so that
// lines from hosts in different zones still sort. Each thread keeps the text of the last
// second it formatted: localtime_r and strftime run once a second, not once a line.
void append_timestamp(std::string& out) {
    struct Second {
        std::time_t seconds = -1;
        char date_time[32] = {};  // 2026-11-21T05:24:07
        std::size_t date_time_length = 0;
        char offset[40] = {};  // +00:00 (sized for any long, as the compiler checks)
    };
    thread_local Second cached;
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    if (seconds != cached.seconds) {
        std::tm local{};
        localtime_r(&seconds, &local);
        cached.date_time_length =
            std::strftime(cached.date_time, sizeof cached.date_time, "%Y-%m-%dT%H:%M:%S", &local);
        const long offset_minutes = local.tm_gmtoff / 60;
        const long magnitude = offset_minutes < 0 ? -offset_minutes : offset_minutes;
        std::snprintf(cached.offset, sizeof cached.offset, "%c%02ld:%02ld",
                      offset_minutes < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
        cached.seconds = seconds;
    }
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    out.append(cached.date_time, cached.date_time_length);
    out += '.';
    append_number(out, static_cast<std::uint64_t>(millis), 3);
    out += cached.offset;
}

std::string_view level_word(LogLevel level) {
    // Padded to one width so that messages line up; "warning" is spelt out as the option and json
    // spell it, and sticks out by two, as a warning may.
    static constexpr std::string_view words[] = {"trace", "debug", "info ", "warning", "error"};
    return words[static_cast<int>(level)];
}

// The start of every line: the journal's priority; then the time and level as text (not for
// the journal or syslog, which keep their own), or the object's first keys in json.
void open_line(std::string& line, LogLevel level, Destination destination, LogFormat format) {
    if (destination == Destination::journal) {
        line += '<';
        line += static_cast<char>('0' + syslog_priority(level));
        line += '>';
    }
    if (format == LogFormat::json) {
        // Every json line has its time, even where the journal or syslog adds one, so that the
        // objects have one shape wherever they are read.
        line += "{\"time\":\"";
        append_timestamp(line);
        line += "\",\"level\":\"";
        line += to_string(level);
        line += '"';
    } else if (destination == Destination::terminal) {
        append_timestamp(line);
        line += ' ';
        line += level_word(level);
        line += ' ';
    }
}

void add_string(std::string& line, std::string_view key, std::string_view value) {
    line += ",\"";
    line += key;
    line += "\":\"";
    append_json_escaped(line, value);
    line += '"';
}

void add_number(std::string& line, std::string_view key, std::string_view digits) {
    line += ",\"";
    line += key;
    line += "\":";
    line += digits;
}

}  // namespace

std::string render_line(LogLevel level, std::string_view message, Destination destination,
                        LogFormat format, std::span<const Field> fields) {
    std::string line;
    line.reserve(message.size() + 96);
    open_line(line, level, destination, format);
    if (format == LogFormat::json) {
        add_string(line, "message", message);
        for (const auto& field : fields) {
            if (field.number)
                add_number(line, field.key, field.value);
            else
                add_string(line, field.key, field.value);
        }
        line += '}';
    } else {
        append_one_line(line, message);
    }
    return line;
}

Field text_field(std::string key, std::string value) {
    return {std::move(key), std::move(value), false};
}

Field number_field(std::string key, std::uint64_t value) {
    return {std::move(key), std::to_string(value), true};
}

Field seconds_field(std::string key, double seconds) {
    char digits[32];
    std::snprintf(digits, sizeof digits, "%.3f", seconds < 0 ? 0.0 : seconds);
    std::string text = digits;
    // 5.000 -> 5, 0.500 -> 0.5: the number as a person would write it.
    while (text.back() == '0')
        text.pop_back();
    if (text.back() == '.') text.pop_back();
    return {std::move(key), std::move(text), true};
}

int syslog_priority(LogLevel level) {
    switch (level) {
        case LogLevel::error:
            return 3;
        case LogLevel::warning:
            return 4;
        case LogLevel::info:
            return 6;
        case LogLevel::debug:
        case LogLevel::trace:
            return 7;
    }
    return 6;
}

std::string render_access(const AccessRecord& record, Destination destination,
                          LogFormat line_format) {
    const LogLevel level = record.level;
    // Seconds with three decimals, rounded to the nearest millisecond: 0.012
    const auto total_ms = static_cast<std::uint64_t>(
        std::max<std::int64_t>(0, (record.duration.count() + 500'000) / 1'000'000));
    std::string duration;
    append_number(duration, total_ms / 1000);
    duration += '.';
    append_number(duration, total_ms % 1000, 3);
    std::string lines;
    append_number(lines, record.lines);
    std::string in;
    append_number(in, record.bytes_in);
    std::string out;
    append_number(out, record.bytes_out);

    std::string line;
    line.reserve(160 + record.host.size() + record.via.size() + record.detail.size());
    open_line(line, level, destination, line_format);
    // host and detail are made printable as in the text log before json escapes them, so that
    // both formats carry the same text.
    if (line_format == LogFormat::json) {
        add_string(line, "message", "access");
        add_string(line, "peer", record.peer);
        if (!record.host.empty()) add_string(line, "host", escaped(record.host));
        if (!record.via.empty()) add_string(line, "via", record.via);
        add_number(line, "duration", duration);
        add_number(line, "lines", lines);
        add_number(line, "bytes_in", in);
        add_number(line, "bytes_out", out);
        add_string(line, "end", record.end);
        if (record.probe) add_number(line, "probe", "1");
        if (!record.detail.empty()) add_string(line, "detail", escaped(record.detail));
        line += '}';
    } else {
        line += "access peer=";
        line += record.peer;
        if (!record.host.empty()) {
            line += " host=\"";
            append_escaped(line, record.host);  // from a PTR record: the peer's to choose
            line += '"';
        }
        if (!record.via.empty()) {
            line += " via=";
            line += record.via;
        }
        line += " duration=";
        line += duration;
        line += "s lines=";
        line += lines;
        line += " in=";
        line += in;
        line += " out=";
        line += out;
        line += " end=";
        line += record.end;
        if (record.probe) line += " probe=1";
        if (!record.detail.empty()) {
            line += " detail=\"";
            append_escaped(line, record.detail);
            line += '"';
        }
    }
    return line;
}

}  // namespace hellod::log
