// The one translation unit that includes Boost.Log: its headers are heavy to compile.
#include "log/log.hpp"

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <boost/log/core.hpp>
#include <boost/log/expressions/message.hpp>
#include <boost/log/sinks/auto_newline_mode.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/sources/severity_logger.hpp>
#include <boost/log/utility/formatting_ostream.hpp>
#include <boost/shared_ptr.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>

#include "log/line_format.hpp"

namespace hellod::log {
namespace {

namespace bl = boost::log;

Destination g_destination = Destination::terminal;
// Read once per line, so a reload that flips it never produces a line of two formats.
std::atomic<LogFormat> g_format{LogFormat::text};

using Sink = bl::sinks::synchronous_sink<bl::sinks::text_ostream_backend>;

bl::sources::severity_logger_mt<LogLevel>& logger() {
    static bl::sources::severity_logger_mt<LogLevel> instance;
    return instance;
}

void install_sink() {
    auto backend = boost::make_shared<bl::sinks::text_ostream_backend>();
    // std::clog shares stderr's descriptor, unbuffered. The line arrives with its newline, so
    // the backend adds none: a newline of its own would be a second write(2), and another
    // process writing to the same pipe could land between the two.
    backend->add_stream(boost::shared_ptr<std::ostream>(&std::clog, [](std::ostream*) {}));
    backend->set_auto_newline_mode(bl::sinks::auto_newline_mode::insert_if_missing);
    backend->auto_flush(true);
    auto sink = boost::make_shared<Sink>(backend);
    sink->set_formatter([](const bl::record_view& record, bl::formatting_ostream& stream) {
        stream << record[bl::expressions::smessage];
    });
    bl::core::get()->remove_all_sinks();
    bl::core::get()->add_sink(sink);
}

// The prefix is built before the line reaches Boost.Log rather than in a Boost.Log formatter so
// that the whole line, prefix included, is one string: one write(2), never interleaved with
// another thread's.
void emit(LogLevel level, std::string line) {
    if (g_destination == Destination::syslog) {
        ::syslog(syslog_priority(level), "%s", line.c_str());
        return;
    }
    line += '\n';
    BOOST_LOG_SEV(logger(), level) << line;
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

void init(Destination destination) {
    g_destination = destination;
    if (destination == Destination::syslog)
        ::openlog("hellod", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    else
        install_sink();
}

void init(LogLevel level, Destination destination, LogFormat format) {
    set_level(level);
    set_format(format);
    init(destination);
}

Destination destination() noexcept {
    return g_destination;
}

void set_level(LogLevel level) noexcept {
    threshold.store(static_cast<int>(level), std::memory_order_relaxed);
}

void set_format(LogFormat format) noexcept {
    g_format.store(format, std::memory_order_relaxed);
}

LogFormat format() noexcept {
    return g_format.load(std::memory_order_relaxed);
}

void write(LogLevel level, std::string_view message) {
    if (!enabled(level)) return;
    emit(level, render_line(level, message, g_destination, format()));
}

void write_access(const AccessRecord& record) {
    if (!enabled(LogLevel::info)) return;
    emit(LogLevel::info, render_access(record, g_destination, format()));
}

std::string render(LogLevel level, std::string_view message, Destination destination) {
    return render_line(level, message, destination, format());
}

}  // namespace hellod::log
