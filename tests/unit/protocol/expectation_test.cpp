// What a correct session looks like, as --probe checks a server against it.
#include "protocol/expectation.hpp"

#include <gtest/gtest.h>

#include <string>

#include "protocol/probe_marker.hpp"

namespace hellod::protocol {
namespace {

TEST(Expectation, GreetingAnswersTheProbeLineWithTheTemplate) {
    Options options;
    options.reply = ReplyTemplate::parse("Hi %s.");
    const Expectation expect(options);
    EXPECT_EQ(expect.welcome(), "Welcome!");
    EXPECT_EQ(expect.probe_line(), "\x01hellod-probe\x01");
    EXPECT_TRUE(expect.is_answer("Hi \x01hellod-probe\x01."));
    EXPECT_FALSE(expect.is_answer("Hello, \x01hellod-probe\x01!"));
    EXPECT_EQ(expect.expected_answer(), "'Hi \\x01hellod-probe\\x01.'");
    EXPECT_EQ(expect.exit_line(), "exit\r\n");
    EXPECT_EQ(expect.farewell(), "Bye!");
}

TEST(Expectation, TimestampAnswersWithCtimesLayout) {
    Options options;
    options.protocol = Protocol::timestamp;
    const Expectation expect(options);
    EXPECT_TRUE(expect.is_answer("[Thu Sep 15 22:29:12 2016] \x01hellod-probe\x01"));
    EXPECT_FALSE(expect.is_answer("[Thu Sep 15 22:29:12 2016] \x01hellod-probe\x01!"));
    EXPECT_FALSE(expect.is_answer("[Thu Sep 15 22:29:1 2016] \x01hellod-probe\x01"));
    EXPECT_FALSE(expect.is_answer("Thu Sep 15 22:29:12 2016] \x01hellod-probe\x01 "));
    EXPECT_EQ(expect.expected_answer(), "'[<date and time>] \\x01hellod-probe\\x01'");
}

TEST(Expectation, TheProbeLineFitsTheLimitAndIsNeverTheExitCommand) {
    Options options;
    options.max_line_bytes = probe_marker.size();
    EXPECT_EQ(Expectation(options).probe_line(), probe_marker);
    options.max_line_bytes = probe_marker.size() - 1;  // too short for the marker
    EXPECT_EQ(Expectation(options).probe_line(), "probe");
    options.max_line_bytes = 3;
    EXPECT_EQ(Expectation(options).probe_line(), "pro");
    options.exit_command = "pro";
    EXPECT_EQ(Expectation(options).probe_line(), "qro");
    options.max_line_bytes = 1;
    options.exit_command = "p";
    EXPECT_EQ(Expectation(options).probe_line(), "q");
}

TEST(Expectation, WithoutAnExitCommandOnlyTheEndOfInputEnds) {
    Options options;
    options.exit_command.clear();
    EXPECT_EQ(Expectation(options).exit_line(), std::nullopt);
    options.exit_command = "quit";
    options.max_line_bytes = 3;  // can never arrive
    EXPECT_EQ(Expectation(options).exit_line(), std::nullopt);
}

TEST(Expectation, RefusalLines) {
    EXPECT_EQ(Expectation::refusal("Error: server busy, try again later"),
              Expectation::Refusal::busy);
    EXPECT_EQ(Expectation::refusal("Error: server shutting down"),
              Expectation::Refusal::shutting_down);
    EXPECT_EQ(Expectation::refusal("Welcome!"), Expectation::Refusal::none);
    // Longer than either refusal line, so that an echo of one is not mistaken for it.
    EXPECT_GT(Expectation::echo_payload.size(), 40u);
    EXPECT_TRUE(Expectation::echo_payload.starts_with(probe_marker));
}

}  // namespace
}  // namespace hellod::protocol
