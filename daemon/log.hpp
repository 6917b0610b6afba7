#pragma once

#include <atomic>
#include <sstream>
#include <string_view>

#include "log_level.hpp"

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
// under the daemon facility.
void init(LogLevel level, Destination destination);
Destination destination() noexcept;
void set_level(LogLevel level) noexcept;

// One line; the caller escapes client-supplied text (see escape.hpp).
void write(LogLevel level, std::string_view message);

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
