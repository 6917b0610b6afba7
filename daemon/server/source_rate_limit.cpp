#include "server/source_rate_limit.hpp"

#include <algorithm>
#include <iterator>

namespace hellod {

SourceRateLimit::SourceRateLimit(std::size_t rate, std::size_t capacity)
    : rate_(0), capacity_(capacity == 0 ? 1 : capacity) {
    set_rate(rate);
}

void SourceRateLimit::set_rate(std::size_t rate) {
    rate_ = rate;
    by_use_.clear();
    index_.clear();
    shared_ = Bucket{};
    if (rate == 0) return;
    // 1 s / rate in the clock's ticks (nanoseconds); setting values stop far short of 10^9.
    interval_ =
        std::max(Clock::duration(std::chrono::seconds(1)) / static_cast<Clock::duration::rep>(rate),
                 Clock::duration(1));
    tolerance_ = interval_ * static_cast<Clock::duration::rep>(rate - 1);
}

bool SourceRateLimit::take(Bucket& bucket, Clock::time_point now) const {
    const auto tat = std::max(bucket.tat, now);
    if (tat - now > tolerance_) return false;  // not a token left
    bucket.tat = tat + interval_;
    return true;
}

void SourceRateLimit::count_drop(Clock::time_point now) {
    ++dropped_;
    dropped_at_rate_ = rate_;
    if (!first_drop_) first_drop_ = now;
}

bool SourceRateLimit::allow(const net::IpAddress& source, Clock::time_point now) {
    if (rate_ == 0) return true;
    if (const auto found = index_.find(source); found != index_.end()) {
        by_use_.splice(by_use_.end(), by_use_, found->second);  // now the most recently seen
        Entry& entry = *found->second;
        if (take(entry.bucket, now)) return true;
        count_drop(now);
        if (entry.counted_in != generation_) {
            entry.counted_in = generation_;
            ++sources_;
        }
        return false;
    }

    if (index_.size() >= capacity_) {
        if (by_use_.front().bucket.tat > now) {
            // Even the source seen least recently was seen within the last second: this is more
            // sources a second than the table holds, and forgetting one of them would hand it a
            // full bucket again. The newcomers share one bucket instead.
            if (take(shared_, now)) return true;
            count_drop(now);
            ++untracked_;
            return false;
        }
        // Its bucket is full again, as a new source's is: its node is reused for this one.
        index_.erase(by_use_.front().source);
        by_use_.splice(by_use_.end(), by_use_, by_use_.begin());
        by_use_.back() = Entry{source, Bucket{now}, 0};
    } else {
        by_use_.push_back(Entry{source, Bucket{now}, 0});
    }
    index_.emplace(source, std::prev(by_use_.end()));
    return take(by_use_.back().bucket, now);  // a full bucket: always a token
}

std::optional<SourceRateLimit::Report> SourceRateLimit::report(Clock::time_point now) {
    if (dropped_ == 0) return std::nullopt;
    if (last_line_ && now - *last_line_ < window) return std::nullopt;
    Report report;
    report.dropped = dropped_;
    report.sources = sources_;
    report.untracked = untracked_;
    report.rate = dropped_at_rate_;
    report.first = !last_line_ || *first_drop_ - *last_line_ >= window;
    last_line_ = now;
    first_drop_.reset();
    dropped_ = 0;
    sources_ = 0;
    untracked_ = 0;
    ++generation_;
    return report;
}

std::optional<SourceRateLimit::Clock::time_point> SourceRateLimit::next_report() const {
    if (dropped_ == 0) return std::nullopt;
    if (!last_line_) return first_drop_;
    return std::max(*last_line_ + window, *first_drop_);
}

namespace {

std::string datagrams(std::uint64_t n) {
    return std::to_string(n) + (n == 1 ? " datagram" : " datagrams");
}

std::string sources(std::uint64_t n) {
    return std::to_string(n) + (n == 1 ? " source" : " sources");
}

}  // namespace

std::string rate_limit_line(const SourceRateLimit::Report& report, std::string_view source,
                            std::size_t capacity) {
    const std::string limit = " over udp-echo-rate (" + std::to_string(report.rate) + " a second)";
    const std::string beyond =
        " from sources beyond the " + std::to_string(capacity) + " tracked, which share one limit";
    const std::string further = "; further drops are counted in one line a minute";
    if (report.first && report.dropped == 1) {
        std::string line = "udp echo: dropped a datagram from ";
        line.append(source).append(limit);
        if (report.untracked > 0)
            line += ", which the sources beyond the " + std::to_string(capacity) + " tracked share";
        return line + further;
    }
    std::string line = "udp echo: dropped " + datagrams(report.dropped);
    if (report.sources > 0) line += " from " + sources(report.sources);
    line += limit;
    if (!report.first) line += " in the last minute";
    if (report.untracked > 0) {
        line += report.sources > 0 ? ", " + std::to_string(report.untracked) + " of them" : ", all";
        line += beyond;
    }
    if (report.first) line += further;
    return line;
}

}  // namespace hellod
