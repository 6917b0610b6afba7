// The timestamp protocol, over a socketpair.
#include "protocol/timestamp.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>

#include "protocol/options.hpp"
#include "session_harness.hpp"

namespace hellod::protocol {
namespace {

using namespace std::chrono_literals;
using testing::LiveSession;

// Sets TZ for one test and restores it, so the tests do not depend on the machine's zone.
class TimeZone {
  public:
    explicit TimeZone(const char* zone) {
        if (const char* old = std::getenv("TZ")) saved_ = old, had_ = true;
        ::setenv("TZ", zone, 1);
        ::tzset();
    }
    ~TimeZone() {
        if (had_)
            ::setenv("TZ", saved_.c_str(), 1);
        else
            ::unsetenv("TZ");
        ::tzset();
    }

  private:
    std::string saved_;
    bool had_ = false;
};

std::string libc_ctime(std::time_t when) {
    char buffer[64];
    std::string text = ::ctime_r(&when, buffer);
    text.pop_back();  // ctime's newline
    return text;
}

Options timestamp_settings() {
    Options s;
    s.protocol = Protocol::timestamp;
    s.welcome.clear();  // as parse_invocation leaves it for timestamp
    return s;
}

TEST(Timestamp, CtimeLayoutInUtc) {
    const TimeZone utc("UTC");
    EXPECT_EQ(ctime_text(1473978552), "Thu Sep 15 22:29:12 2016");
    EXPECT_EQ(ctime_text(0), "Thu Jan  1 00:00:00 1970");  // the day is padded with a space
}

TEST(Timestamp, FollowsTzAndMatchesLibcCtime) {
    const TimeZone plus_three("XYZ-3");  // POSIX form: three hours east, needs no tzdata
    EXPECT_EQ(ctime_text(1473978552), "Fri Sep 16 01:29:12 2016");
    for (std::time_t when : {std::time_t{86'399}, std::time_t{951'782'400},
                             std::time_t{1'700'000'000}, std::time(nullptr)})
        EXPECT_EQ(ctime_text(when), libc_ctime(when)) << when;
}

TEST(Timestamp, EachLineGetsTheTimeThenTheTrimmedLine) {
    const Options s = timestamp_settings();
    const std::time_t before = std::time(nullptr);
    const auto c =
        testing::converse([&](Stream& st) { return run_timestamp(st, s); }, "  Michael \n\nexit\n");
    const std::time_t after = std::time(nullptr);
    // No welcome; the empty line gets nothing; exit gets the farewell.
    const auto stamp = c.output.substr(1, c.output.find(']') - 1);
    EXPECT_TRUE(stamp == libc_ctime(before) || stamp == libc_ctime(after)) << stamp;
    EXPECT_EQ(c.output, "[" + stamp + "] Michael\r\nBye!\r\n");
    EXPECT_EQ(c.result.reason, EndReason::exit);
}

TEST(Timestamp, WelcomeWhenOneIsSet) {
    Options s = timestamp_settings();
    s.welcome = "Time server";
    const auto c = testing::converse([&](Stream& st) { return run_timestamp(st, s); }, "");
    EXPECT_EQ(c.output, "Time server\r\n");
}

// timestamp has a welcome but no reply template: %h names the host in the welcome only, and a
// client's "%h" comes back as sent, as does one in the farewell.
TEST(Timestamp, WelcomeNamesTheHost) {
    Options s = timestamp_settings();
    s.welcome = "Time on %h (100%)";
    s.farewell = "Bye from %h";
    s.host.value = "pod-7";
    const auto c =
        testing::converse([&](Stream& st) { return run_timestamp(st, s); }, "%h\nexit\n");
    EXPECT_TRUE(c.output.starts_with("Time on pod-7 (100%)\r\n[")) << c.output;
    EXPECT_TRUE(c.output.ends_with("] %h\r\nBye from %h\r\n")) << c.output;
}

TEST(RawFraming, TimestampToo) {
    Options s = timestamp_settings();
    s.framing = Framing::raw;
    LiveSession session([&](Stream& st) { return run_timestamp(st, s); });
    session.send("tick");
    const auto answer = session.read_until("\r\n");
    EXPECT_TRUE(answer.starts_with("[")) << answer;
    EXPECT_TRUE(answer.ends_with("] tick\r\n")) << answer;
    session.close_input();
    EXPECT_EQ(session.read_all(), "");
    EXPECT_EQ(session.result().reason, EndReason::eof);
}

}  // namespace
}  // namespace hellod::protocol
