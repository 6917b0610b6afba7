// The timestamp and echo protocols and raw framing, over a socketpair.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>

#include "config/invocation.hpp"
#include "protocol/echo.hpp"
#include "protocol/greeting.hpp"
#include "protocol/options.hpp"
#include "protocol/timestamp.hpp"
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

// Raw framing: the client waits for each answer before it writes again, as the tutorials'
// clients do, so every write arrives as one read.
TEST(RawFraming, AMessageWithoutNewlineIsAnswered) {
    Options s;
    s.framing = Framing::raw;
    LiveSession session([&](Stream& st) { return run_greeting(st, s); });
    EXPECT_EQ(session.read_until("\r\n"), "Welcome!\r\n");
    session.send("Michael");
    EXPECT_EQ(session.read_until("\r\n"), "Hello, Michael!\r\n");
    session.send("Tracy\r\n");  // one trailing terminator is dropped
    EXPECT_EQ(session.read_until("\r\n"), "Hello, Tracy!\r\n");
    session.send("two\nlines\n");  // one read is one message, newlines and all
    EXPECT_EQ(session.read_until("\r\n"), "Hello, two\nlines!\r\n");
    session.send("\xff\xfb\x01");  // telnet negotiation is no part of a message
    session.send("exit");
    EXPECT_EQ(session.read_all(), "Bye!\r\n");
    EXPECT_EQ(session.result().reason, EndReason::exit);
}

TEST(RawFraming, OneReadUpToTheLimitIsOneMessageBeyondTheStreamBuffer) {
    Options s;
    s.framing = Framing::raw;
    s.welcome.clear();
    s.max_line_bytes = 8192;  // twice the stream's 4 KiB read buffer
    LiveSession session([&](Stream& st) { return run_greeting(st, s); });
    const std::string message(6000, 'm');
    session.send(message);
    EXPECT_EQ(session.read_until("!\r\n"), "Hello, " + message + "!\r\n");
}

TEST(RawFraming, ABlankMessageGetsNoAnswer) {
    Options s;
    s.framing = Framing::raw;
    const auto c = testing::converse([&](Stream& st) { return run_greeting(st, s); }, " \t\r\n");
    EXPECT_EQ(c.output, "Welcome!\r\n");
    EXPECT_EQ(c.result.lines, 1u);
}

TEST(RawFraming, AReadLongerThanTheLimitIsSeveralMessages) {
    Options s;
    s.framing = Framing::raw;
    s.welcome.clear();
    s.max_line_bytes = 4;
    LiveSession session([&](Stream& st) { return run_greeting(st, s); });
    session.send("abcdefghij");
    EXPECT_EQ(session.read_until("ij!\r\n"), "Hello, abcd!\r\nHello, efgh!\r\nHello, ij!\r\n");
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

TEST(Echo, EveryByteComesBackIncludingTelnetAndCommands) {
    using namespace std::string_literals;
    const std::string input = "exit\n\xff\xf4\xff\xff\0\r\n\x80\xfe no newline"s;
    const auto c = testing::converse([](Stream& st) { return run_echo(st); }, input);
    EXPECT_EQ(c.output, input);  // no welcome, no telnet processing, no exit command
    EXPECT_EQ(c.result.reason, EndReason::eof);
}

TEST(Echo, BigTransfersStreamThroughInBoundedMemory) {
    std::string input(8 << 20, '\0');
    for (std::size_t i = 0; i < input.size(); ++i)
        input[i] = static_cast<char>((i * 7919) >> 3);
    std::size_t capacity = 0;
    const auto c = testing::converse(
        [&](Stream& st) {
            const auto result = run_echo(st);
            capacity = st.buffer_capacity();
            return result;
        },
        input);
    EXPECT_TRUE(c.output == input) << "echoed " << c.output.size() << " of " << input.size();
    EXPECT_LE(capacity, LiveSession::default_options().read_buffer);
}

TEST(Echo, IdleTimeoutSendsTheLineAndCloses) {
    auto options = LiveSession::default_options();
    options.read_timeout = 100ms;
    LiveSession session([](Stream& st) { return run_echo(st); }, options);
    session.send("ping");
    EXPECT_EQ(session.read_all(), "pingError: idle timeout\r\n");
    EXPECT_EQ(session.result().reason, EndReason::idle);
}

TEST(Echo, AClientThatNeverReadsIsCutByTheWriteTimeout) {
    auto options = LiveSession::default_options();
    options.write_timeout = 200ms;
    LiveSession session([](Stream& st) { return run_echo(st); }, options);
    // Fill both directions without reading: the echo blocks in its write and must give up.
    const std::string block(64 * 1024, 'x');
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (::send(session.client_fd(), block.data(), block.size(), MSG_DONTWAIT | MSG_NOSIGNAL) >
               0 &&
           std::chrono::steady_clock::now() < deadline) {
    }
    const auto result = session.result();
    EXPECT_EQ(result.reason, EndReason::error);
    EXPECT_EQ(result.detail, "write timed out");
}

}  // namespace
}  // namespace hellod::protocol
