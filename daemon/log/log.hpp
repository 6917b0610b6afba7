#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "log/log_level.hpp"

namespace hellod::log {

// The threshold lives here, not behind Boost.Log, so a disabled level costs one relaxed load
// and the message is never formatted.
inline std::atomic<int> threshold{static_cast<int>(LogLevel::info)};

inline bool enabled(LogLevel level) noexcept {
    return static_cast<int>(level) >= threshold.load(std::memory_order_relaxed);
}

// syslog: for --inetd under inetd or xinetd, where stderr is the client's socket.
enum class Destination { terminal, journal, syslog };

// stderr is the journal when JOURNAL_STREAM names its device and inode (systemd.exec(5)); the
// variable alone is not enough, since a child of a systemd service inherits it.
Destination detect_destination();

// Sends every message to stderr: with an ISO-8601 timestamp on a terminal or in a file, with a
// "<N>" syslog priority prefix and no timestamp when stderr is the journal; or to syslog(3)
// under the daemon facility. In json each line is instead one object, {"time":..., "level":...,
// "message":...} (still after the "<N>" for the journal), and for syslog the object is the
// message. The level and format stay as set_level and set_format left them.
void init(Destination destination);
// The same, with the level and format set first.
void init(LogLevel level, Destination destination, LogFormat format);
Destination destination() noexcept;
void set_level(LogLevel level) noexcept;
// Takes effect from the next line; a line is rendered in one format from start to end.
void set_format(LogFormat format) noexcept;
LogFormat format() noexcept;

// One line; the caller escapes client-supplied text (see escape.hpp). Never waits for the
// reader of stderr: lines go through a bounded queue to a thread of their own, and when the
// queue is full (the reader stalled) the line is dropped and counted; the next line that gets
// through is preceded by a warning saying how many were dropped.
void write(LogLevel level, std::string_view message);

// A value a line carries, for json: a string (escaped on the way out, so client text may go in
// raw) or a number's digits. Keys are snake_case, like the access line's.
struct Field {
    std::string key;
    std::string value;
    bool number = false;
};
using Fields = std::vector<Field>;
Field text_field(std::string key, std::string value);
Field number_field(std::string key, std::uint64_t value);
Field seconds_field(std::string key, double seconds);  // a number, three decimals at most
// A line whose values a program reads: json has them as fields after "message"; text shows the
// message alone, which says them already.
void write(LogLevel level, std::string_view message, std::span<const Field> fields);

// Waits until every line given so far has been written or dropped, for at most `limit`;
// returns whether it got there. For what must come after the log (a fatal sentence written
// straight to stderr, a test that reads back what was logged).
bool flush(std::chrono::milliseconds limit);
// The last thing before the process exits: flush(limit), then give up on what stderr has not
// taken, so that a reader that stopped reading cannot hold the exit. Returns false when lines
// were given up on: the writer may then be inside a write(2) or syslog(3) that never returns,
// and the caller should end the process without joining it (_Exit rather than exit).
bool finish(std::chrono::milliseconds limit);
// Lines dropped so far because the queue was full.
std::uint64_t dropped() noexcept;
// How many lines the queue holds before it drops.
inline constexpr std::size_t queue_lines = 4096;

// One connection's access line, logged at info; in text (detail="..." last, when there is one)
//   access peer=192.0.2.1:5555 host="a.example" duration=0.012s lines=5 in=31 out=63 end=exit
// and in json "message":"access" followed by the fields peer, host, duration (a number of
// seconds), lines, bytes_in, bytes_out, end, probe, detail. host and detail are raw here and
// escaped like client text on the way out; each is left out when empty. A probe session's line
// adds probe=1 ("probe":1) after end; others leave it out.
struct AccessRecord {
    LogLevel level = LogLevel::info;  // debug for a balancer's own health checks
    std::string_view peer{};          // "192.0.2.1:51234", "[2001:db8::1]:51234"
    std::string_view host{};          // the confirmed name (--resolve-peers), or empty
    // The load balancer the client came through (its PROXY header named the peer), or empty.
    std::string_view via{};
    std::chrono::nanoseconds duration{};
    std::uint64_t lines = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    std::string_view end{};     // "exit", "eof", "idle", "busy", "shutdown", "error"
    std::string_view detail{};  // e.g. "write timed out"; empty for none
    bool probe = false;         // a hellod --probe health check (logged at debug)
};
void write_access(const AccessRecord& record);

// The line write() would send at `level` to stderr as `destination` (without the newline), in
// the current format; for main(), whose fatal errors may come before init().
std::string render(LogLevel level, std::string_view message, Destination destination);

// Collects one message and writes it when destroyed; used through HLOG.
class Line {
  public:
    explicit Line(LogLevel level) : level_(level) {}
    Line(const Line&) = delete;
    Line& operator=(const Line&) = delete;
    ~Line() { write(level_, std::move(text_).str()); }
    std::ostringstream& stream() { return text_; }

  private:
    LogLevel level_;
    std::ostringstream text_;
};

}  // namespace hellod::log

// HLOG(info) << "text " << value;  the operands are not evaluated when the level is off. A for
// statement rather than if/else, so `if (x) HLOG(info) << y;` has no dangling else.
#define HLOG(level)                                                                       \
    for (bool hlog_once_ = ::hellod::log::enabled(::hellod::LogLevel::level); hlog_once_; \
         hlog_once_ = false)                                                              \
    ::hellod::log::Line(::hellod::LogLevel::level).stream()
