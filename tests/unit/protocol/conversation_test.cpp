// The conversation loop's raw framing and its probe sessions (greeting and timestamp share
// both), over a socketpair.
#include "protocol/conversation.hpp"

#include <gtest/gtest.h>

#include <string>

#include "protocol/greeting.hpp"
#include "protocol/options.hpp"
#include "protocol/probe_marker.hpp"
#include "protocol/timestamp.hpp"
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

const std::string marker(probe_marker);

// The marker first, then the exit command or the end of input: a --probe health check.
TEST(ProbeSession, TheMarkerAndTheExitCommandAreAProbe) {
    Options s;
    auto c =
        testing::converse([&](Stream& st) { return run_greeting(st, s); }, marker + "\r\nexit\r\n");
    EXPECT_EQ(c.output, "Welcome!\r\nHello, " + marker + "!\r\nBye!\r\n");
    EXPECT_EQ(c.result.reason, EndReason::exit);
    EXPECT_TRUE(c.result.probe);
    s.exit_command.clear();  // then the end of input ends it
    c = testing::converse([&](Stream& st) { return run_greeting(st, s); }, marker + "\n");
    EXPECT_TRUE(c.result.probe);
    s.protocol = Protocol::timestamp;
    c = testing::converse([&](Stream& st) { return run_timestamp(st, s, {}); }, marker + "\n");
    EXPECT_TRUE(c.result.probe);
}

// A person's session stays one: "probe" typed by hand, the marker elsewhere than first, or
// anything but the exit command after it (which would otherwise hide those lines at debug).
TEST(ProbeSession, AnythingElseIsAnOrdinarySession) {
    Options s;
    s.max_line_bytes = 20;
    for (const std::string& input : {
             std::string("probe\nexit\n"),
             "Ann\n" + marker + "\nexit\n",
             marker + "\nAnn\nexit\n",
             marker + "\n\nexit\n",
             marker + "\n" + std::string(30, 'x') + "\nexit\n",
             marker + "x\nexit\n",
             "x" + marker + "\nexit\n",
             std::string(marker, 0, marker.size() - 1) + "\nexit\n",
         }) {
        const auto c = testing::converse([&](Stream& st) { return run_greeting(st, s); }, input);
        EXPECT_FALSE(c.result.probe) << ::testing::PrintToString(input);
        EXPECT_NE(c.result.reason, EndReason::error) << ::testing::PrintToString(input);
    }
}

TEST(ProbeSession, RawFramingToo) {
    Options s;
    s.framing = Framing::raw;
    LiveSession session([&](Stream& st) { return run_greeting(st, s); });
    EXPECT_EQ(session.read_until("\r\n"), "Welcome!\r\n");
    session.send(marker + "\r\n");
    EXPECT_EQ(session.read_until("\r\n"), "Hello, " + marker + "!\r\n");
    session.send("exit\r\n");
    EXPECT_EQ(session.read_all(), "Bye!\r\n");
    EXPECT_TRUE(session.result().probe);
}

}  // namespace
}  // namespace hellod::protocol
