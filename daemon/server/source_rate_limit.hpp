#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "net/cidr.hpp"

namespace hellod {

// The UDP echo's limit per source (udp-echo-rate): a token bucket per source IP address (the
// port plays no part, so sending from many ports does not get around it) that holds `rate`
// datagrams and refills at `rate` a second. So a source gets a burst of `rate` datagrams
// answered at once and `rate` a second after that, and what a loop between two echo services,
// or a flood reflected at a forged source, can make hellod send to one address is bounded.
//
// Memory is bounded whatever the number of (forged) addresses:
// - At most `capacity` sources are tracked. A new source takes the place of the one seen least
//   recently once that one's bucket is full again (at most a second after it was last seen:
//   a full bucket is what a source never seen starts with, so nothing is lost by forgetting it).
// - When even that one was seen within the last second (more sources a second than the table
//   holds), new sources are not tracked one by one: they share one more bucket, which holds
//   and refills as one source's does.
//
// It also counts the drops for the log, one line a minute at most (see line()): the first drop
// after a quiet minute gets a line at once; drops within the minute after a line are counted
// and reported together when it is over.
//
// Not thread-safe: the UDP echo thread alone uses it. Time is passed in, so tests drive it with
// a clock of their own.
class SourceRateLimit {
  public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::size_t default_capacity = 4096;
    static constexpr std::chrono::seconds window{60};

    // rate: datagrams a second per source, and the burst; 0 = no limit.
    explicit SourceRateLimit(std::size_t rate, std::size_t capacity = default_capacity);

    // Whether a datagram from `source` at `now` is within the limit (it then takes a token), or
    // is to be dropped (it is then counted for the log).
    bool allow(const net::IpAddress& source, Clock::time_point now);

    // A new rate, in force from the next datagram. Every source starts again with a full bucket;
    // the drops counted for the log stay.
    void set_rate(std::size_t rate);
    std::size_t rate() const noexcept { return rate_; }

    // Drops to log.
    struct Report {
        std::uint64_t dropped = 0;    // datagrams dropped since the last line
        std::size_t sources = 0;      // tracked sources they came from (each counted once)
        std::uint64_t untracked = 0;  // of `dropped`, those from sources beyond the table
        std::size_t rate = 0;         // the rate the latest of them was over
        // The first drop after a minute without a line (logged at once); otherwise the drops of
        // the minute since the last line.
        bool first = false;
    };
    // The drops to log at `now`, if a line is due: there were drops, and no line within the
    // last minute. Starts the count again when it returns one.
    std::optional<Report> report(Clock::time_point now);
    // When the next line will be due if nothing else happens: a minute after the last line when
    // drops have been counted since; nullopt when no line is waiting.
    std::optional<Clock::time_point> next_report() const;

    std::size_t capacity() const noexcept { return capacity_; }
    std::size_t tracked() const noexcept { return index_.size(); }

  private:
    // A token bucket kept as one time, its "theoretical arrival time" (the GCRA of ATM
    // networks): it holds (now + tolerance + interval - tat) / interval tokens, at most `rate`,
    // and is full again once tat <= now. One time and no fractions of a token.
    struct Bucket {
        Clock::time_point tat;
    };
    struct Entry {
        net::IpAddress source;
        Bucket bucket;
        std::uint64_t counted_in = 0;  // the line (generation_) its drops were last counted for
    };
    bool take(Bucket& bucket, Clock::time_point now) const;
    void count_drop(Clock::time_point now);

    std::size_t rate_;
    std::size_t capacity_;
    Clock::duration interval_{};   // between two tokens: 1 s / rate
    Clock::duration tolerance_{};  // how far ahead of now tat may be: interval * (rate - 1)
    std::list<Entry> by_use_;      // least recently seen first
    std::map<net::IpAddress, std::list<Entry>::iterator> index_;
    Bucket shared_;  // for the sources beyond the table

    std::uint64_t generation_ = 1;  // of the line being counted for
    std::optional<Clock::time_point> last_line_;
    std::optional<Clock::time_point> first_drop_;  // the first drop counted since the last line
    std::uint64_t dropped_ = 0;
    std::size_t sources_ = 0;
    std::uint64_t untracked_ = 0;
    std::size_t dropped_at_rate_ = 0;  // the rate in force at the latest drop
};

// The lines for a report:
//   udp echo: dropped a datagram from 192.0.2.7:40000 over udp-echo-rate (100 a second);
//   further drops are counted in one line a minute
//   udp echo: dropped 5321 datagrams from 3 sources over udp-echo-rate (100 a second) in the
//   last minute
//   udp echo: dropped 5321 datagrams from 3 sources over udp-echo-rate (100 a second) in the
//   last minute, 200 of them from sources beyond the 4096 tracked, which share one limit
// `source` (the address and port of the datagram that made a first report, as net::to_string
// writes it) is named only in a first report of one drop.
std::string rate_limit_line(const SourceRateLimit::Report& report, std::string_view source,
                            std::size_t capacity);

}  // namespace hellod
