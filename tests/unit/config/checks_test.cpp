// The checks across settings: what a protocol cannot use, a group without a user, allow rules a
// deny rule covers.
#include "config/checks.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "settings_harness.hpp"

namespace hellod {
namespace {

using namespace std::chrono_literals;
using namespace testing;

TEST(SettingsIdentity, AGroupNeedsAUser) {
    expect_error({"--group", "nogroup"}, {}, exit_code::config,
                 {"group is set but user is not: hellod changes its group only when it drops root "
                  "for --user"});
    expect_env_error({{"HELLOD_GROUP", "nogroup"}}, {"group is set but user is not"});
    EXPECT_EQ(settings_of({"--group", "nogroup"}, {{"HELLOD_USER", "nobody"}}).group, "nogroup");
}

TEST(SettingsProtocolFit, EchoRefusesRawFraming) {
    expect_error({"--protocol", "echo", "--framing", "raw"}, {}, exit_code::config,
                 {"framing: raw applies to the greeting and timestamp protocols"});
    const TempFile file("protocol = echo\nframing = raw\n");
    expect_error({"--config", file.c_str()}, {}, exit_code::config, {"framing: raw"});
}

TEST(SettingsProtocolFit, EchoNeverWelcomesAndWarnsAboutWhatItIgnores) {
    const auto invocation =
        parse({"--protocol", "echo", "--welcome", "Hi", "--reply", "Yo %s", "--farewell", "Bye!"});
    EXPECT_EQ(invocation.settings.session.welcome, "");
    ASSERT_EQ(invocation.warnings.size(), 2u);
    EXPECT_EQ(invocation.warnings[0], "welcome is ignored by protocol echo");
    EXPECT_EQ(invocation.warnings[1], "reply is ignored by protocol echo");  // farewell = default
}

TEST(SettingsProtocolFit, TimestampWarnsAboutReply) {
    const auto invocation = parse({"--protocol", "timestamp", "--reply", "Yo %s"});
    ASSERT_EQ(invocation.warnings.size(), 1u);
    EXPECT_EQ(invocation.warnings[0], "reply is ignored by protocol timestamp");
    EXPECT_TRUE(parse({"--protocol", "timestamp", "--welcome", "Hi"}).warnings.empty());
}

TEST(SettingsProtocolFit, WarnsOfAnExitCommandLongerThanALine) {
    const auto invocation = parse({"--max-line-bytes", "3"});
    ASSERT_EQ(invocation.warnings.size(), 1u);
    EXPECT_EQ(invocation.warnings[0],
              "exit-command is 4 bytes but max-line-bytes is 3, so clients can never send it; "
              "sessions end only when they close");
    EXPECT_TRUE(parse({"--max-line-bytes", "4"}).warnings.empty());
    EXPECT_TRUE(parse({"--max-line-bytes", "3", "--exit-command", ""}).warnings.empty());
    const auto echo = parse({"--max-line-bytes", "3", "--protocol", "echo"});  // no exit command
    EXPECT_EQ(echo.warnings,
              std::vector<std::string>{"max-line-bytes is ignored by protocol echo"});
}

TEST(SettingsAccess, WarnsOfAllowRulesThatADenyRuleCovers) {
    const auto invocation = parse({"--allow", "192.0.2.0/24", "--deny", "0.0.0.0/0"});
    ASSERT_EQ(invocation.warnings.size(), 1u);
    EXPECT_EQ(invocation.warnings[0],
              "allow 192.0.2.0/24 can never admit anyone: deny 0.0.0.0/0 covers it, and deny "
              "wins (an allow list needs no deny rule to refuse everyone else)");
    EXPECT_TRUE(parse({"--allow", "10.0.0.0/8", "--deny", "10.0.0.5"}).warnings.empty());
}

}  // namespace
}  // namespace hellod
