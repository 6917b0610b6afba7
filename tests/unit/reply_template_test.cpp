#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "protocol/greeting.hpp"

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

}  // namespace
}  // namespace hellod
