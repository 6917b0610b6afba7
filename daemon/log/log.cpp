// The one translation unit that includes Boost.Log: its headers are heavy to compile.
#include "log/log.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <boost/log/core.hpp>
#include <boost/log/expressions/message.hpp>
#include <boost/log/sinks/async_frontend.hpp>
#include <boost/log/sinks/basic_sink_backend.hpp>
#include <boost/log/sinks/bounded_fifo_queue.hpp>
#include <boost/log/sources/logger.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/shared_ptr.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <utility>

#include "log/line_format.hpp"

namespace hellod::log {
namespace {

namespace bl = boost::log;

std::atomic<Destination> g_destination{Destination::terminal};
// Read once per line, so a reload that flips it never produces a line of two formats.
std::atomic<LogFormat> g_format{LogFormat::text};

// Lines handed to the sink, and lines it is done with (written, dropped, or given up on):
// flush() waits for the second to catch up with the first.
std::atomic<std::uint64_t> g_submitted{0};
std::atomic<std::uint64_t> g_settled{0};
// flush() sleeps on g_settled_changed; the writer takes the mutex to notify only while someone
// waits, so a line costs the writer nothing more otherwise. (Sequentially consistent, both
// g_settled's increments and g_flush_waiters: either the writer sees the waiter, or the waiter
// sees the new count.)
std::mutex g_flush_mutex;
std::condition_variable g_settled_changed;
std::atomic<int> g_flush_waiters{0};

std::atomic<std::uint64_t> g_dropped{0};
std::atomic<std::uint64_t> g_dropped_unreported{0};
// Set by finish(): the writer stops waiting for stderr and lets the rest go.
std::atomic<bool> g_abandon{false};

void settle_one() {
    g_settled.fetch_add(1);
    if (g_flush_waiters.load() > 0) {
        const std::lock_guard lock(g_flush_mutex);
        g_settled_changed.notify_all();
    }
}

// A rendered line as it is written: with its newline, except for syslog, which takes lines
// without one.
std::string terminated(std::string line) {
    if (g_destination.load(std::memory_order_relaxed) != Destination::syslog) line += '\n';
    return line;
}

// A message rendered for the destination and format in force, as it is written.
std::string rendered(LogLevel level, std::string_view message) {
    return terminated(render_line(level, message, g_destination.load(std::memory_order_relaxed),
                                  g_format.load(std::memory_order_relaxed)));
}

// How often a writer waiting for stderr looks at g_abandon.
constexpr int abandon_check_ms = 50;
// The most one write(2) sends to a pipe: up to PIPE_BUF bytes a pipe takes whole or not at all,
// so a write that poll(2) said may go cannot block, and a line no longer than that is never
// split by another process writing to the same pipe.
constexpr std::size_t write_chunk = 4096;

// A full queue drops the new line rather than make a session or the acceptor wait for stderr.
struct CountDrops {
    template <typename Lock>
    static bool on_overflow(const bl::record_view&, Lock&) {
        g_dropped.fetch_add(1, std::memory_order_relaxed);
        g_dropped_unreported.fetch_add(1, std::memory_order_relaxed);
        settle_one();
        return false;
    }
    static void on_queue_space_available() {}
    static void interrupt() {}
};

// Writes all of `data` to stderr, waiting for room in poll(2) rather than in write(2) so that
// finish() can end the wait. Returns false if the line was given up on.
bool write_all(std::string_view data) {
    while (!data.empty()) {
        // Once given up, a line that cannot go at once does not go at all: the rest of the
        // queue must not wait abandon_check_ms each.
        const bool abandoned = g_abandon.load(std::memory_order_relaxed);
        pollfd wait{STDERR_FILENO, POLLOUT, 0};
        const int ready = ::poll(&wait, 1, abandoned ? 0 : abandon_check_ms);
        if (ready < 0 && errno != EINTR) return false;
        if (ready <= 0) {
            if (abandoned) return false;
            continue;
        }
        // Closed, or a reader gone for good: nothing more can be written.
        if ((wait.revents & (POLLERR | POLLNVAL)) != 0) return false;
        const ssize_t sent =
            ::write(STDERR_FILENO, data.data(), std::min(data.size(), write_chunk));
        if (sent < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
}

void deliver(LogLevel level, std::string_view line) {
    if (g_destination.load(std::memory_order_relaxed) == Destination::syslog) {
        ::syslog(syslog_priority(level), "%.*s", static_cast<int>(line.size()), line.data());
        return;
    }
    (void)write_all(line);
}

std::string dropped_text(std::uint64_t count) {
    return std::to_string(count) + " log line" + (count == 1 ? " was" : "s were") +
           " dropped: the log's reader (stderr) was not taking them as fast as they came, and "
           "hellod does not wait for it";
}

// The writer's end of the queue: one thread, fed by Boost.Log's asynchronous frontend.
class LineWriter : public bl::sinks::basic_sink_backend<bl::sinks::synchronized_feeding> {
  public:
    void consume(const bl::record_view& record) {
        if (const auto dropped = g_dropped_unreported.exchange(0, std::memory_order_relaxed))
            deliver(LogLevel::warning, rendered(LogLevel::warning, dropped_text(dropped)));
        if (const auto line = record[bl::expressions::smessage]) {
            const std::string& text = line.get();
            if (!text.empty())
                deliver(static_cast<LogLevel>(text.front()), std::string_view(text).substr(1));
        }
        settle_one();
    }
};

using Sink = bl::sinks::asynchronous_sink<LineWriter,
                                          bl::sinks::bounded_fifo_queue<queue_lines, CountDrops>>;

// No severity attribute: the level travels as the line's first byte. An attribute's value is
// shared between the logging thread and the writer and freed by reference counts inside the
// (uninstrumented) Boost.Log library, which ThreadSanitizer cannot see as synchronisation.
bl::sources::logger_mt& logger() {
    static bl::sources::logger_mt instance;
    return instance;
}

std::once_flag g_sink_once;
std::atomic<bool> g_sink_installed{false};

// Once per process: later init() calls change only the destination, so no queued line is lost
// to a sink being replaced.
void install_sink() {
    std::call_once(g_sink_once, [] {
        auto sink = boost::make_shared<Sink>(boost::make_shared<LineWriter>());
        bl::core::get()->remove_all_sinks();
        bl::core::get()->add_sink(sink);
        g_sink_installed.store(true, std::memory_order_release);
    });
}

// The whole line, prefix included, is built before it reaches Boost.Log, so that it is one
// string: one write(2), never interleaved with another thread's.
void emit(LogLevel level, const std::string& line) {
    if (!g_sink_installed.load(std::memory_order_acquire)) {
        // Before init(): there is no writer thread yet, and nothing to keep in order with.
        (void)write_all(line);
        return;
    }
    g_submitted.fetch_add(1, std::memory_order_relaxed);
    BOOST_LOG(logger()) << static_cast<char>(level) << line;
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
    // Lines already queued were rendered for the old destination: let them out first.
    (void)flush(std::chrono::seconds(1));
    if (destination == Destination::syslog) ::openlog("hellod", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    g_destination.store(destination, std::memory_order_relaxed);
    install_sink();
}

void init(LogLevel level, Destination destination, LogFormat format) {
    set_level(level);
    set_format(format);
    init(destination);
}

Destination destination() noexcept {
    return g_destination.load(std::memory_order_relaxed);
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
    emit(level, rendered(level, message));
}

void write(LogLevel level, std::string_view message, std::span<const Field> fields) {
    if (!enabled(level)) return;
    emit(level, terminated(render_line(level, message, destination(), format(), fields)));
}

void write_access(const AccessRecord& record) {
    if (!enabled(record.level)) return;
    emit(record.level, terminated(render_access(record, destination(), format())));
}

bool flush(std::chrono::milliseconds limit) {
    const auto target = g_submitted.load(std::memory_order_relaxed);
    g_flush_waiters.fetch_add(1);
    std::unique_lock lock(g_flush_mutex);
    const bool done =
        g_settled_changed.wait_for(lock, limit, [&] { return g_settled.load() >= target; });
    lock.unlock();
    g_flush_waiters.fetch_sub(1);
    return done;
}

bool finish(std::chrono::milliseconds limit) {
    if (!g_sink_installed.load(std::memory_order_acquire)) return true;
    bool drained = flush(limit);
    if (drained) {
        // The reader came back, but no line came after the drops to carry their count.
        if (const auto dropped = g_dropped_unreported.exchange(0, std::memory_order_relaxed)) {
            write(LogLevel::warning, dropped_text(dropped));
            drained = flush(limit);
        }
    }
    g_abandon.store(true, std::memory_order_relaxed);
    return drained;
}

std::uint64_t dropped() noexcept {
    return g_dropped.load(std::memory_order_relaxed);
}

std::string render(LogLevel level, std::string_view message, Destination destination) {
    return render_line(level, message, destination, format());
}

}  // namespace hellod::log

#if defined(__SANITIZE_THREAD__)
// Built into every ThreadSanitizer binary that logs, so that it holds wherever the process runs,
// whatever environment it was given (systemd-socket-activate, say, passes none).
//
// Boost.Log (Debian's libboost-log) is not built with ThreadSanitizer. Records go from the
// logging thread to the writer through the library's asynchronous sink, and whichever thread
// drops the last reference frees the record inside the library, after an atomic decrement TSan
// cannot see: so it reports the free as racing with the other thread's earlier read. Ignoring
// the allocator calls made from inside the library removes exactly those; every access from
// hellod's own code, the queue's mutex (in Boost.Log's headers, so instrumented) included, is
// still checked.
extern "C" const char* __tsan_default_suppressions() {
    return "called_from_lib:libboost_log.so\n";
}
#endif
