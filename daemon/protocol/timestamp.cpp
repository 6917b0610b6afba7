#include "protocol/timestamp.hpp"

#include <array>
#include <cstdio>

#include "protocol/conversation.hpp"

namespace hellod::protocol {
namespace {

class TimestampAnswer final : public Answerer {
  public:
    void answer(std::string_view message, std::string& out) override {
        // A pipelined burst arrives within one second: convert the time once per second, not
        // once per line (localtime_r takes a process-wide lock in glibc).
        const std::time_t now = std::time(nullptr);
        if (now != stamped_) {
            stamped_ = now;
            stamp_ = ctime_text(now);
        }
        out += '[';
        out += stamp_;
        out += "] ";
        out += message;
    }

  private:
    std::time_t stamped_ = -1;
    std::string stamp_;
};

}  // namespace

std::string ctime_text(std::time_t when) {
    // ctime()'s own names, not strftime's %a/%b: those follow LC_TIME, and the layout is fixed.
    static constexpr std::array<const char*, 7> days{"Sun", "Mon", "Tue", "Wed",
                                                     "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm local{};
    if (::localtime_r(&when, &local) == nullptr) return "??? ??? ?? ??:??:?? ????";
    char text[64];
    const int length = std::snprintf(
        text, sizeof text, "%.3s %.3s%3d %.2d:%.2d:%.2d %d",
        days.at(static_cast<std::size_t>(local.tm_wday) % days.size()),
        months.at(static_cast<std::size_t>(local.tm_mon) % months.size()), local.tm_mday,
        local.tm_hour, local.tm_min, local.tm_sec, local.tm_year + 1900);
    return {text, static_cast<std::size_t>(length > 0 ? length : 0)};
}

SessionResult run_timestamp(Stream& stream, const Options& options, std::string_view peer) {
    TimestampAnswer answer;
    return run_conversation(stream, options, peer, answer);
}

}  // namespace hellod::protocol
