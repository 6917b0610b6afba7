// The setting table: every setting read from the command line, and the names of what changed.
#include "config/setting_table.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "settings_harness.hpp"

namespace hellod {
namespace {

using namespace std::chrono_literals;
using namespace testing;

TEST(Settings, EverySettingFromTheCommandLine) {
    const auto s = settings_of({"--listen",
                                "127.0.0.1:1",
                                "--protocol",
                                "timestamp",
                                "--framing",
                                "raw",
                                "--welcome",
                                "Hi there",
                                "--reply",
                                "You said: %s",
                                "--exit-command",
                                "quit",
                                "--farewell",
                                "Ciao",
                                "--backlog",
                                "7",
                                "--max-connections",
                                "20",
                                "--max-connections-per-ip",
                                "3",
                                "--idle-timeout",
                                "0.5",
                                "--write-timeout",
                                "2",
                                "--max-line-bytes",
                                "80",
                                "--shutdown-timeout",
                                "0",
                                "--udp-echo",
                                "--udp-echo-rate",
                                "7",
                                "--log-level",
                                "debug",
                                "--log-format",
                                "json",
                                "--user",
                                "nobody",
                                "--group",
                                "nogroup",
                                "--run-as-root"});
    EXPECT_EQ(s.listen, std::vector<std::string>{"127.0.0.1:1"});
    EXPECT_EQ(s.session.protocol, Protocol::timestamp);
    EXPECT_EQ(s.session.framing, Framing::raw);
    EXPECT_EQ(s.session.welcome, "Hi there");
    EXPECT_EQ(s.session.reply.source(), "You said: %s");
    EXPECT_EQ(s.session.exit_command, "quit");
    EXPECT_EQ(s.session.farewell, "Ciao");
    EXPECT_EQ(s.backlog, 7);
    EXPECT_EQ(s.max_connections, 20u);
    EXPECT_EQ(s.max_connections_per_ip, 3u);
    EXPECT_EQ(s.idle_timeout, 500ms);
    EXPECT_EQ(s.write_timeout, 2s);
    EXPECT_EQ(s.session.max_line_bytes, 80u);
    EXPECT_EQ(s.shutdown_timeout, 0ms);
    EXPECT_TRUE(s.udp_echo);
    EXPECT_EQ(s.udp_echo_rate, 7u);
    EXPECT_EQ(s.log_level, LogLevel::debug);
    EXPECT_EQ(s.log_format, LogFormat::json);
    EXPECT_EQ(s.user, "nobody");
    EXPECT_EQ(s.group, "nogroup");
    EXPECT_TRUE(s.run_as_root);
}

TEST(Settings, EmptyTextsMeanNone) {
    const auto s = settings_of({"--welcome", "", "--farewell", "", "--exit-command", ""});
    EXPECT_EQ(s.session.welcome, "");
    EXPECT_EQ(s.session.farewell, "");
    EXPECT_EQ(s.session.exit_command, "");
}

TEST(Settings, TextsKeepTheirBytes) {
    const auto s = settings_of({}, {{"HELLOD_WELCOME", "  Grüße # 1 \t"}});
    EXPECT_EQ(s.session.welcome, "  Grüße # 1 \t");
}

TEST(SettingsChanges, NamesEachChangedSettingInHelpOrder) {
    Settings before;
    EXPECT_TRUE(changed_settings(before, before).empty());
    Settings after = before;
    after.log_level = LogLevel::debug;
    after.session.welcome = "Hi";
    after.listen = {"127.0.0.1:1"};
    after.idle_timeout = std::chrono::milliseconds(1);
    after.log_format = LogFormat::json;
    EXPECT_EQ(
        changed_settings(before, after),
        (std::vector<std::string>{"listen", "welcome", "idle-timeout", "log-level", "log-format"}));
}

TEST(SettingsAccess, ChangesAreNamed) {
    const Settings before;
    Settings after = before;
    after.access.deny(net::Cidr::parse("192.0.2.7"));
    EXPECT_EQ(changed_settings(before, after), (std::vector<std::string>{"deny"}));
    after.access.allow(net::Cidr::parse("10.0.0.0/8"));
    EXPECT_EQ(changed_settings(before, after), (std::vector<std::string>{"allow", "deny"}));
}

}  // namespace
}  // namespace hellod
