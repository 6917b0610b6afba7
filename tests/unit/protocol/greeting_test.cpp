// protocol/greeting: the reply template parsed and rendered, and the greeting protocol over a
// socketpair (exactly the bytes of the spec, no network needed).
#include "protocol/greeting.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "protocol/options.hpp"
#include "session_harness.hpp"

namespace hellod::protocol {
namespace {

testing::Conversation converse(const Options& settings, std::string_view input,
                               bool close_input = true) {
    return testing::converse([&](Stream& stream) { return run_greeting(stream, settings); }, input,
                             close_input);
}

TEST(Greeting, SpecTranscript) {
    const auto c = converse({}, "Michael\nTracy\nexit\n");
    EXPECT_EQ(c.output, "Welcome!\r\nHello, Michael!\r\nHello, Tracy!\r\nBye!\r\n");
    EXPECT_EQ(c.result.reason, EndReason::exit);
    EXPECT_EQ(c.result.lines, 3u);
}

TEST(Greeting, TrimsSpacesAndTabsAndIgnoresEmptyLines) {
    const auto c = converse({}, "  \t Ann \t\r\n\n   \n\t\nexit\n");
    EXPECT_EQ(c.output, "Welcome!\r\nHello, Ann!\r\nBye!\r\n");
}

TEST(Greeting, ExitCommandIsMatchedAfterTrimmingAndExactly) {
    const auto c = converse({}, "EXIT\n exit \n");
    EXPECT_EQ(c.output, "Welcome!\r\nHello, EXIT!\r\nBye!\r\n");
}

TEST(Greeting, PartialLineAtEofIsAnswered) {
    const auto c = converse({}, "Zed");
    EXPECT_EQ(c.output, "Welcome!\r\nHello, Zed!\r\n");
    EXPECT_EQ(c.result.reason, EndReason::eof);
}

TEST(Greeting, LineLimitCountsBytesWithoutTheTerminator) {
    Options s;
    s.max_line_bytes = 5;
    const auto c = converse(s, "12345\r\n123456\nabcdefghijklmnop\nok\n");
    EXPECT_EQ(c.output,
              "Welcome!\r\nHello, 12345!\r\nError: line too long (limit 5 bytes)\r\n"
              "Error: line too long (limit 5 bytes)\r\nHello, ok!\r\n");
}

TEST(Greeting, TemplateWelcomeFarewellAndExitCommandComeFromSettings) {
    Options s;
    s.welcome = "";
    s.farewell = "";
    s.exit_command = "quit";
    s.reply = ReplyTemplate::parse("100%% %s");
    const auto c = converse(s, "x\nexit\nquit\nnever\n");
    EXPECT_EQ(c.output, "100% x\r\n100% exit\r\n");
    EXPECT_EQ(c.result.reason, EndReason::exit);
}

TEST(Greeting, TelnetNegotiationIsRemovedAndIacIacIsOneByte) {
    using namespace std::string_literals;  // the input holds a NUL
    const auto c = converse({},
                            "\xff\xfb\x01Mi\xff\xffke\n\xff\xfa\x18\x00xterm\xff\xf0"
                            "Ann\n"s);
    EXPECT_EQ(c.output, "Welcome!\r\nHello, Mi\xffke!\r\nHello, Ann!\r\n");
}

TEST(Greeting, TelnetInterruptProcessEndsTheSessionLikeExit) {
    const auto c = converse({},
                            "Bob\n\xff\xf4"
                            "after\n",
                            false);
    EXPECT_EQ(c.output, "Welcome!\r\nHello, Bob!\r\nBye!\r\n");
    EXPECT_EQ(c.result.reason, EndReason::exit);
}

TEST(Greeting, TelnetTimingMarkIsAnsweredSoTelnetShowsTheFarewell) {
    // telnet's Ctrl-C: IAC IP IAC DO TIMING-MARK; it shows nothing until IAC WILL TIMING-MARK.
    const auto c = converse({}, "\xff\xf4\xff\xfd\x06", false);
    EXPECT_EQ(c.output,
              "Welcome!\r\n\xff\xfb\x06"
              "Bye!\r\n");
}

TEST(Greeting, TimingMarkMidSessionIsAnsweredAfterTheLineBeforeIt) {
    const auto c = converse({},
                            "a\n\xff\xfd\x06"
                            "b\n");
    EXPECT_EQ(c.output, "Welcome!\r\nHello, a!\r\n\xff\xfb\x06Hello, b!\r\n");
}

TEST(Greeting, TelnetBreakEndsTheSessionToo) {
    const auto c = converse({}, "\xff\xf3", false);
    EXPECT_EQ(c.output, "Welcome!\r\nBye!\r\n");
}

TEST(Greeting, RepliesAreByteFaithful) {
    const std::string odd("Zo\xc3\xab \x01\x7f\xfe", 9);
    const auto c = converse({}, odd + "\n");
    EXPECT_EQ(c.output, "Welcome!\r\nHello, " + odd + "!\r\n");
}

TEST(Greeting, WelcomeAndReplyNameTheHost) {
    Options options;
    options.welcome = "Welcome to %h!";
    options.reply = ReplyTemplate::parse("%h: Hello, %s!");
    options.host.value = "pod-7";
    options.reply.set_host(options.host.value);
    const auto c = converse(options, "Ann\nexit\n");
    EXPECT_EQ(c.output, "Welcome to pod-7!\r\npod-7: Hello, Ann!\r\nBye!\r\n");
}

}  // namespace
}  // namespace hellod::protocol

// ---------------------------------------------------------------------------------------------
// The reply template

namespace hellod {
namespace {

std::string render(const ReplyTemplate& reply, std::string_view line) {
    std::string out;
    reply.render(line, out);
    return out;
}

// The message parse() throws for `text`, or "" (and a failure) if it accepts it.
std::string parse_error(std::string_view text) {
    try {
        ReplyTemplate::parse(text);
    } catch (const std::invalid_argument& e) {
        const std::string message = e.what();
        EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
        return message;
    }
    ADD_FAILURE() << "accepted '" << text << "'";
    return {};
}

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

TEST(ReplyTemplate, DefaultGreets) {
    const ReplyTemplate reply;
    EXPECT_EQ(reply.source(), "Hello, %s!");
    EXPECT_EQ(render(reply, "Michael"), "Hello, Michael!");
    EXPECT_EQ(reply, ReplyTemplate::parse("Hello, %s!"));
}

TEST(ReplyTemplate, RenderAppends) {
    std::string out = "> ";
    ReplyTemplate().render("Tracy", out);
    EXPECT_EQ(out, "> Hello, Tracy!");
}

TEST(ReplyTemplate, SlotAnywhere) {
    EXPECT_EQ(render(ReplyTemplate::parse("%s"), "x"), "x");
    EXPECT_EQ(render(ReplyTemplate::parse("%s!"), "x"), "x!");
    EXPECT_EQ(render(ReplyTemplate::parse("Hi %s"), "x"), "Hi x");
}

TEST(ReplyTemplate, DoublePercentIsLiteral) {
    const auto reply = ReplyTemplate::parse("100%% %s, 50%%");
    EXPECT_EQ(render(reply, "sure"), "100% sure, 50%");
    EXPECT_EQ(reply.source(), "100%% %s, 50%%");
    EXPECT_EQ(render(ReplyTemplate::parse("%%s %s"), "a"), "%s a");
}

TEST(ReplyTemplate, WithoutSlotEveryLineGetsTheSameReply) {
    const auto reply = ReplyTemplate::parse("OK");
    EXPECT_EQ(render(reply, "anything"), "OK");
    EXPECT_EQ(render(reply, ""), "OK");
    EXPECT_EQ(render(ReplyTemplate::parse(""), "x"), "");
}

TEST(ReplyTemplate, LineIsNotInterpreted) {
    const ReplyTemplate reply;
    EXPECT_EQ(render(reply, "%s %d %%"), "Hello, %s %d %%!");
    EXPECT_EQ(render(reply, "Grüße, \xff\x01"), "Hello, Grüße, \xff\x01!");
}

TEST(ReplyTemplate, PercentsAroundTheSlot) {
    const auto reply = ReplyTemplate::parse("[%%%s%%]");
    EXPECT_EQ(render(reply, "abc"), "[%abc%]");
}

TEST(ReplyTemplate, RejectsOtherConversions) {
    const auto message = parse_error("Hello, %d!");
    EXPECT_TRUE(contains(message, "'%d' at byte 8 is not allowed")) << message;
    EXPECT_TRUE(contains(message, "%%")) << message;
    EXPECT_TRUE(contains(parse_error("%S"), "'%S' at byte 1")) << parse_error("%S");
    EXPECT_TRUE(contains(parse_error("%s %n"), "'%n' at byte 4"));
    EXPECT_TRUE(contains(parse_error("% s"), "'% ' at byte 1"));
}

TEST(ReplyTemplate, RejectsTrailingLonePercent) {
    EXPECT_TRUE(contains(parse_error("100%"), "lone '%' at byte 4"));
    EXPECT_TRUE(contains(parse_error("%"), "lone '%' at byte 1"));
    EXPECT_TRUE(contains(parse_error("%s %%%"), "lone '%' at byte 6"));
}

TEST(ReplyTemplate, RejectsSecondSlot) {
    const auto message = parse_error("%s and %s");
    EXPECT_TRUE(contains(message, "holds %s more than once")) << message;
    EXPECT_TRUE(contains(message, "bytes 1 and 8")) << message;
}

TEST(ReplyTemplate, ErrorShowsControlBytesEscaped) {
    EXPECT_TRUE(contains(parse_error("%\x01"), "'%\\x01'"));
    EXPECT_TRUE(contains(parse_error("%\xc3\xa9"), "'%\\xc3'"));
}

// %h is the host name, as often as it is written; set_host fills it in (the settings do, with
// gethostname), and a template whose host is not set yet gives an empty name.
TEST(ReplyTemplate, HostName) {
    auto reply = ReplyTemplate::parse("%h: Hello, %s! (%h, 100%%h)");
    EXPECT_EQ(render(reply, "Ann"), ": Hello, Ann! (, 100%h)");
    reply.set_host("pod-7");
    EXPECT_EQ(render(reply, "Ann"), "pod-7: Hello, Ann! (pod-7, 100%h)");
    EXPECT_EQ(reply.source(), "%h: Hello, %s! (%h, 100%%h)");
    EXPECT_TRUE(contains(parse_error("%x"), "%h for the host name")) << parse_error("%x");
    EXPECT_TRUE(contains(parse_error(std::string_view("a\0b", 3)), "NUL byte at byte 2"));
}

// A %h counts as the two bytes written, not as the name: errors name the byte an editor shows.
TEST(ReplyTemplate, ErrorBytesCountHostEscapesAsWritten) {
    EXPECT_TRUE(contains(parse_error("%h%x"), "'%x' at byte 3")) << parse_error("%h%x");
    EXPECT_TRUE(contains(parse_error("%h%s %h%s"), "bytes 3 and 8")) << parse_error("%h%s %h%s");
    EXPECT_TRUE(contains(parse_error("%h%"), "lone '%' at byte 3")) << parse_error("%h%");
    EXPECT_TRUE(contains(parse_error("%H"), "'%H' at byte 1")) << parse_error("%H");
}

// A reload sets the name again: it replaces the last one, and is never read as a template.
TEST(ReplyTemplate, HostNameSetAgainReplacesIt) {
    auto reply = ReplyTemplate::parse("[%h] %s [%h]");
    reply.set_host("old-name");
    reply.set_host("pod-8");
    EXPECT_EQ(render(reply, "x"), "[pod-8] x [pod-8]");
    reply.set_host("a%sb%%");
    EXPECT_EQ(render(reply, "x"), "[a%sb%%] x [a%sb%%]");
    auto no_slot = ReplyTemplate::parse("served by %h");
    no_slot.set_host("pod-8");
    EXPECT_EQ(render(no_slot, "anything"), "served by pod-8");
}

// The welcome: %h and %% are escapes, any other '%' is itself (a welcome had no escapes before).
TEST(Welcome, HostNameAndPercent) {
    EXPECT_EQ(expand_welcome("Welcome to %h!", "pod-7"), "Welcome to pod-7!");
    EXPECT_EQ(expand_welcome("%h %h", "a"), "a a");
    EXPECT_EQ(expand_welcome("100% up, %%h is %h, 5%", "b"), "100% up, %h is b, 5%");
    EXPECT_EQ(expand_welcome("Welcome!", "b"), "Welcome!");
    EXPECT_EQ(expand_welcome("%", "b"), "%");
    EXPECT_EQ(expand_welcome("%%%h%", "b"), "%b%");
    EXPECT_EQ(expand_welcome("%s %d %H", "b"), "%s %d %H");
    EXPECT_EQ(expand_welcome("on %h", "a%hb"), "on a%hb");  // the name is not expanded again
    EXPECT_EQ(expand_welcome("on %h", ""), "on ");
}

}  // namespace
}  // namespace hellod
