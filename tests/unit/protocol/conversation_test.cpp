// The conversation loop's raw framing (greeting and timestamp share it), over a socketpair.
#include "protocol/conversation.hpp"

#include <gtest/gtest.h>

#include <string>

#include "protocol/greeting.hpp"
#include "protocol/options.hpp"
#include "session_harness.hpp"

namespace hellod::protocol {
namespace {

using testing::LiveSession;

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

}  // namespace
}  // namespace hellod::protocol
