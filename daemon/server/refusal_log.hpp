#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "log/log.hpp"
#include "log/log_level.hpp"
#include "net/cidr.hpp"

namespace hellod {

// Decides which refusals by the allow and deny rules get a log line, so that a peer hammering
// the port costs the log one line a minute, not one a connection:
// - A peer gets a line when it is refused, then none for a minute (the window); the next line
//   after that says how many refusals of it went unlogged in between.
// - The table of peers is bounded by `capacity`. A new peer takes the place of the peer whose
//   last line is oldest, once that line is older than the window. When every tracked peer had
//   a line within the window (refusals from more peers a minute than the table holds), new
//   peers are not tracked one by one: they share one line a minute, at warning, which counts
//   the refusals it did not log. So the log never takes more than capacity + 1 lines a window,
//   and the table never more than capacity entries, whatever the number of addresses.
// A peer's unlogged count is reported only if the peer comes back before its place is taken.
//
// Not thread-safe: the accept loop alone uses it (one thread, so no lock on the refusal path).
// Time is passed in, so tests drive it with a clock of their own.
class RefusalLog {
  public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::size_t default_capacity = 1024;
    static constexpr std::chrono::seconds window{60};

    explicit RefusalLog(std::size_t capacity = default_capacity);

    // What to log for one refusal.
    struct Report {
        LogLevel level = LogLevel::info;
        // Refusals not logged since the previous line: of this peer, or for the shared line, of
        // every peer beyond the table.
        std::uint64_t unlogged = 0;
        bool shared = false;  // the one line a window for peers beyond the table
    };
    // Notes that `peer` was refused at `now`; returns what to log, or nullopt to log nothing.
    std::optional<Report> refused(const net::IpAddress& peer, Clock::time_point now);

    std::size_t capacity() const noexcept { return capacity_; }
    std::size_t tracked() const noexcept { return index_.size(); }

  private:
    struct Entry {
        net::IpAddress peer;
        Clock::time_point logged;    // when its last line was
        std::uint64_t unlogged = 0;  // refusals since then
    };
    bool expired(Clock::time_point logged, Clock::time_point now) const {
        return now - logged >= window;
    }

    std::size_t capacity_;
    std::list<Entry> by_age_;  // oldest line first
    std::map<net::IpAddress, std::list<Entry>::iterator> index_;
    std::optional<Clock::time_point> shared_logged_;
    std::uint64_t shared_unlogged_ = 0;
};

// The line for a report:
//   refused 192.0.2.7 (deny 192.0.2.0/24)
//   refused 192.0.2.7 (deny 192.0.2.0/24); 4 refusals of this peer not logged since its last line
//   refused 203.0.113.9 (no allow rule matches); 1024 peers were logged in the last minute, so
//   refusals of further peers are logged once a minute (5321 not logged since the last such line)
// `peer` is the address as net::host_to_string writes it, `why` as reason() does.
std::string refusal_line(std::string_view peer, std::string_view why,
                         const RefusalLog::Report& report, std::size_t capacity);

// The line for a PROXY header that did not come right from a balancer of proxy-protocol-from,
// rate-limited the same way per balancer address:
//   bad PROXY header from 10.0.0.1:40000 (v1 header has no CRLF within 107 bytes); closed
//   without a reply; 17 more from this address not logged since its last line
std::string bad_header_line(std::string_view balancer, std::string_view problem,
                            const RefusalLog::Report& report, std::size_t capacity);

// The values of those lines, for json: `who` ("peer" or "balancer") and `what` ("reason" or
// "problem") name the first two; then unlogged (not logged since the last line) and shared
// (1 on the one line a minute for peers beyond the table).
log::Fields refusal_fields(std::string_view who, std::string_view peer, std::string_view what,
                           std::string_view why, const RefusalLog::Report& report);

}  // namespace hellod
