#include "server/refusal_log.hpp"

#include <iterator>

namespace hellod {

RefusalLog::RefusalLog(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

std::optional<RefusalLog::Report> RefusalLog::refused(const net::IpAddress& peer,
                                                      Clock::time_point now) {
    if (const auto found = index_.find(peer); found != index_.end()) {
        Entry& entry = *found->second;
        if (!expired(entry.logged, now)) {
            ++entry.unlogged;
            return std::nullopt;
        }
        Report report;
        report.unlogged = entry.unlogged;
        entry.logged = now;
        entry.unlogged = 0;
        by_age_.splice(by_age_.end(), by_age_, found->second);  // now the newest line
        return report;
    }

    if (index_.size() >= capacity_) {
        if (!expired(by_age_.front().logged, now)) {
            // Every tracked peer was logged within the window: this is a flood from more peers
            // than the table holds, and evicting one of them would let it log again at once.
            if (shared_logged_ && !expired(*shared_logged_, now)) {
                ++shared_unlogged_;
                return std::nullopt;
            }
            Report report;
            report.level = LogLevel::warning;
            report.unlogged = shared_unlogged_;
            report.shared = true;
            shared_logged_ = now;
            shared_unlogged_ = 0;
            return report;
        }
        // The oldest line is past the window: its node is reused for the new peer.
        index_.erase(by_age_.front().peer);
        by_age_.splice(by_age_.end(), by_age_, by_age_.begin());
        by_age_.back() = Entry{peer, now, 0};
    } else {
        by_age_.push_back(Entry{peer, now, 0});
    }
    index_.emplace(peer, std::prev(by_age_.end()));
    return Report{};
}

namespace {

// What the line leaves out: `noun` is "refusal" or "bad header".
void append_unlogged(std::string& line, std::string_view noun, const RefusalLog::Report& report,
                     std::size_t capacity) {
    const std::string plural = std::string(noun) + "s";
    if (report.shared) {
        line += "; " + std::to_string(capacity) + " peers were logged in the last minute, so " +
                plural + " of further peers are logged once a minute";
        if (report.unlogged > 0)
            line +=
                " (" + std::to_string(report.unlogged) + " not logged since the last such line)";
    } else if (report.unlogged > 0) {
        line += "; " + std::to_string(report.unlogged) + " " +
                (report.unlogged == 1 ? std::string(noun) : plural) +
                " of this peer not logged since its last line";
    }
}

}  // namespace

std::string refusal_line(std::string_view peer, std::string_view why,
                         const RefusalLog::Report& report, std::size_t capacity) {
    std::string line = "refused ";
    line.append(peer).append(" (").append(why).append(")");
    append_unlogged(line, "refusal", report, capacity);
    return line;
}

std::string bad_header_line(std::string_view balancer, std::string_view problem,
                            const RefusalLog::Report& report, std::size_t capacity) {
    std::string line = "bad PROXY header from ";
    line.append(balancer).append(" (").append(problem).append("); closed without a reply");
    append_unlogged(line, "bad header", report, capacity);
    return line;
}

log::Fields refusal_fields(std::string_view who, std::string_view peer, std::string_view what,
                           std::string_view why, const RefusalLog::Report& report) {
    return {log::text_field(std::string(who), std::string(peer)),
            log::text_field(std::string(what), std::string(why)),
            log::number_field("unlogged", report.unlogged),
            log::number_field("shared", report.shared ? 1 : 0)};
}

}  // namespace hellod
