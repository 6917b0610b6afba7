// The command line: --help, option syntax, and its mistakes, each one sentence and exit 64.
#include "config/command_line.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "settings_harness.hpp"

namespace hellod {
namespace {

using namespace std::chrono_literals;
using namespace testing;

TEST(Settings, Help) {
    for (const char* flag : {"--help", "-h"}) {
        const auto invocation = parse({flag});
        EXPECT_EQ(invocation.action, Action::help);
        const auto& text = invocation.help_text;
        EXPECT_TRUE(text.starts_with("Usage: hellod [options]\n")) << text;
        EXPECT_FALSE(contains(text, " \n")) << "trailing blanks:\n" << text;
        EXPECT_FALSE(contains(text, "\n\n\n")) << text;
        for (const char* fragment :
             {"--listen", "-l [ --listen ] HOST:PORT", "--max-connections N (=10000)",
              "--idle-timeout SECONDS (=300)", "--write-timeout SECONDS (=30)",
              "--reply TEMPLATE (=Hello, %s!)", "-c [ --config ] FILE", "--print-config",
              "--version", "--test-config", "--udp-echo", "--log-level LEVEL (=info)",
              "--log-format FORMAT (=text)", "--user NAME", "--group NAME", "--run-as-root",
              "Every option can also be set in the config file (name = value) or as HELLOD_NAME "
              "(dashes as underscores)."}) {
            EXPECT_TRUE(contains(text, fragment)) << fragment << " not in:\n" << text;
        }
    }
}

TEST(Settings, HelpWinsOverBadSettings) {
    EXPECT_EQ(parse({"--max-connections", "abc", "--help"}, {{"HELLOD_BACKLOG", "x"}}).action,
              Action::help);
}

TEST(Settings, EqualsSignAndShortForms) {
    const auto s = settings_of({"--backlog=9", "-l", "a:1", "-lb:2", "--listen=c:3"});
    EXPECT_EQ(s.backlog, 9);
    EXPECT_EQ(s.listen, (std::vector<std::string>{"a:1", "b:2", "c:3"}));
}

TEST(Settings, UnknownOption) {
    expect_usage_error({"--lisen", "x:1"}, {"unknown option --lisen", "did you mean --listen?"});
    expect_usage_error({"--lisen=x:1"}, {"unknown option --lisen ("});
    expect_usage_error({"--frobnicate"}, {"unknown option --frobnicate (see --help)"});
    expect_usage_error({"-x"}, {"unknown option -x"});
}

// Found by fuzz_settings: names taken from the command line and the environment went into the
// sentence raw, so a newline in one split the message and an escape sequence reached the
// terminal. They are shown escaped, like values are.
TEST(Settings, NamesInMessagesHaveControlBytesEscaped) {
    const auto printable = [](std::string_view message) {
        return std::ranges::none_of(message, [](char c) {
            const auto byte = static_cast<unsigned char>(c);
            return byte < 0x20 || byte == 0x7f;
        });
    };
    const auto message = [](std::initializer_list<const char*> args, const Environment& env) {
        try {
            parse(args, env);
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    const std::string option = message({"--li\nsten", "a:1"}, {});
    EXPECT_TRUE(contains(option, "unknown option --li\\nsten")) << option;
    EXPECT_TRUE(printable(option)) << option;
    const std::string dash = message({"-\x10"}, {});
    EXPECT_TRUE(contains(dash, "unknown option -\\x10")) << dash;
    EXPECT_TRUE(printable(dash)) << dash;
    const std::string empty = message({"--li\x1dsten="}, {});
    EXPECT_TRUE(contains(empty, "--li\\x1dsten= has nothing after")) << empty;
    EXPECT_TRUE(printable(empty)) << empty;
    const std::string path = message({"--config", "no\x1b[2Jsuch"}, {});
    EXPECT_TRUE(contains(path, "cannot read config file no\\x1b[2Jsuch")) << path;
    EXPECT_TRUE(printable(path)) << path;
    const std::string env_path = message({}, {{"HELLOD_CONFIG", "no\rsuch"}});
    EXPECT_TRUE(contains(env_path, "cannot read config file no\\rsuch")) << env_path;
    EXPECT_TRUE(printable(env_path)) << env_path;

    const auto invocation = parse({}, {{"HELLOD_\x1b]0;x\x07", "1"}});
    ASSERT_EQ(invocation.warnings.size(), 1u);
    EXPECT_TRUE(contains(invocation.warnings[0], "variable HELLOD_\\x1b]0;x\\x07: no such"))
        << invocation.warnings[0];
    EXPECT_TRUE(printable(invocation.warnings[0])) << invocation.warnings[0];
}

TEST(Settings, PrefixesAreNotGuessed) {
    expect_usage_error({"--max", "3"}, {"unknown option --max"});
    expect_usage_error({"--list", "a:1"}, {"unknown option --list"});
}

TEST(Settings, MissingArgument) {
    expect_usage_error({"--max-connections"}, {"--max-connections needs a value"});
    expect_usage_error({"-l"}, {"--listen needs a value"});
    expect_usage_error({"--config"}, {"--config needs a value"});
}

TEST(Settings, EmptyValueAfterEquals) {
    expect_usage_error({"--welcome="}, {"--welcome=", "--welcome ''"});
}

TEST(Settings, FlagWithValue) {
    expect_usage_error({"--help=yes"}, {"--help does not take a value"});
}

TEST(Settings, PositionalArgument) {
    expect_usage_error({"foo"}, {"unexpected argument 'foo' (see --help)"});
    expect_usage_error({"--backlog", "3", "--", "--bar"}, {"unexpected argument '--bar'"});
}

TEST(Settings, ScalarGivenTwiceOnCommandLine) {
    expect_usage_error({"--backlog", "3", "--backlog", "4"}, {"--backlog is given more than once"});
    expect_usage_error({"-c", "a", "--config", "b"}, {"--config is given more than once"});
}

TEST(Settings, EmptyConfigOption) {
    expect_usage_error({"--config", ""}, {"--config needs a file name"});
}

TEST(SettingsProtocolFit, ResolvePeersIsABooleanFlag) {
    EXPECT_FALSE(settings_of({}).resolve_peers);
    EXPECT_TRUE(settings_of({"--resolve-peers"}).resolve_peers);
    EXPECT_TRUE(settings_of({}, {{"HELLOD_RESOLVE_PEERS", "yes"}}).resolve_peers);
    expect_usage_error({"--resolve-peers=sometimes"},
                       {"--resolve-peers: 'sometimes' is not true or false"});
}

TEST(SettingsAccess, RepeatedOnTheCommandLineAndSplitOnCommas) {
    const auto s = settings_of({"--allow", "192.0.2.0/24, 2001:db8::/32", "--deny", "192.0.2.7",
                                "--allow=10.0.0.0/8", "--deny", "::1 127.0.0.1"});
    EXPECT_EQ(texts(s.access.allowed()), (Texts{"192.0.2.0/24", "2001:db8::/32", "10.0.0.0/8"}));
    EXPECT_EQ(texts(s.access.denied()), (Texts{"192.0.2.7/32", "::1/128", "127.0.0.1/32"}));
}

TEST(SettingsAccess, ScalarRepeatsStillNameTheRepeatableOnes) {
    expect_usage_error(
        {"--backlog", "1", "--backlog", "2"},
        {"backlog is given more than once (only --listen, --metrics-listen, --allow, "
         "--deny and --proxy-protocol-from repeat)"});
}

}  // namespace
}  // namespace hellod
