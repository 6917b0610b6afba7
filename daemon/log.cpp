// The one translation unit that includes Boost.Log: its headers are heavy to compile.
#include "log.hpp"

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <boost/log/core.hpp>
#include <boost/log/expressions/message.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/sources/severity_logger.hpp>
#include <boost/log/utility/formatting_ostream.hpp>
#include <boost/shared_ptr.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>

namespace hellod::log {
namespace {

namespace bl = boost::log;

Destination g_destination = Destination::terminal;

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

// 2026-11-21T05:24:07.123+00:00: local time, as operators read it, with the offset so that
// lines from hosts in different zones still sort.
void append_timestamp(std::string& out) {
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm local{};
    localtime_r(&seconds, &local);
    char buffer[64];
    std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &local);
    const long offset_minutes = local.tm_gmtoff / 60;
    const long magnitude = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    std::snprintf(buffer + n, sizeof buffer - n, ".%03d%c%02ld:%02ld", static_cast<int>(millis),
                  offset_minutes < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
    out += buffer;
}

std::string_view level_word(LogLevel level) {
    // Padded to one width so that messages line up.
    static constexpr std::string_view words[] = {"trace", "debug", "info ", "warn ", "error"};
    return words[static_cast<int>(level)];
}

using Sink = bl::sinks::synchronous_sink<bl::sinks::text_ostream_backend>;

bl::sources::severity_logger_mt<LogLevel>& logger() {
    static bl::sources::severity_logger_mt<LogLevel> instance;
    return instance;
}

void install_sink() {
    auto backend = boost::make_shared<bl::sinks::text_ostream_backend>();
    // std::clog shares stderr's descriptor; auto_flush makes every record one write.
    backend->add_stream(boost::shared_ptr<std::ostream>(&std::clog, [](std::ostream*) {}));
    backend->auto_flush(true);
    auto sink = boost::make_shared<Sink>(backend);
    sink->set_formatter([](const bl::record_view& record, bl::formatting_ostream& stream) {
        stream << record[bl::expressions::smessage];
    });
    bl::core::get()->remove_all_sinks();
    bl::core::get()->add_sink(sink);
}

}  // namespace

Destination detect_destination() {
    const char* value = std::getenv("JOURNAL_STREAM");
    if (value == nullptr) return Destination::terminal;
    unsigned long long device = 0;
    unsigned long long inode = 0;
    if (std::sscanf(value, "%llu:%llu", &device, &inode) != 2) return Destination::terminal;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0) return Destination::terminal;
    return (static_cast<unsigned long long>(st.st_dev) == device &&
            static_cast<unsigned long long>(st.st_ino) == inode)
               ? Destination::journal
               : Destination::terminal;
}

void init(LogLevel level, Destination destination) {
    g_destination = destination;
    set_level(level);
    if (destination == Destination::syslog)
        ::openlog("hellod", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    else
        install_sink();
}

Destination destination() noexcept {
    return g_destination;
}

void set_level(LogLevel level) noexcept {
    threshold.store(static_cast<int>(level), std::memory_order_relaxed);
}

void write(LogLevel level, std::string_view message) {
    if (!enabled(level)) return;
    if (g_destination == Destination::syslog) {
        const std::string text(message);
        ::syslog(syslog_priority(level), "%s", text.c_str());
        return;
    }
    // The prefix is built here rather than in a Boost.Log formatter so that the whole line,
    // prefix included, is one string: one write(2), never interleaved with another thread's.
    std::string line;
    line.reserve(message.size() + 48);
    if (g_destination == Destination::journal) {
        line += '<';
        line += static_cast<char>('0' + syslog_priority(level));
        line += '>';
    } else {
        append_timestamp(line);
        line += ' ';
        line += level_word(level);
        line += ' ';
    }
    line += message;
    BOOST_LOG_SEV(logger(), level) << line;
}

}  // namespace hellod::log
