// The invocation: the action, and the sources in precedence (command line, environment, file,
// defaults).
#include "config/invocation.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "settings_harness.hpp"

namespace hellod {
namespace {

using namespace std::chrono_literals;
using namespace testing;

TEST(Settings, NoArgumentsGiveDefaults) {
    const auto invocation = parse({});
    EXPECT_EQ(invocation.action, Action::run);
    EXPECT_EQ(invocation.settings, Settings{});
    EXPECT_TRUE(invocation.warnings.empty());
    EXPECT_TRUE(invocation.settings.listen.empty());
    EXPECT_TRUE(invocation.settings.config_file.empty());
}

TEST(Settings, EmptyArgvIsLikeNoArguments) {
    EXPECT_EQ(parse_invocation({}, {}).settings, Settings{});
}

TEST(Settings, Version) {
    EXPECT_EQ(parse({"--version"}).action, Action::version);
    EXPECT_EQ(parse({"-V"}).action, Action::version);
}

TEST(Settings, TestAndPrintConfig) {
    EXPECT_EQ(parse({"--test-config"}).action, Action::test_config);
    EXPECT_EQ(parse({"-t"}).action, Action::test_config);
    EXPECT_EQ(parse({"--print-config"}).action, Action::print_config);
    expect_usage_error({"-t", "--print-config"}, {"--test-config", "--print-config"});
}

TEST(Settings, Probe) {
    auto invocation = parse({"--probe"});
    EXPECT_EQ(invocation.action, Action::probe);
    EXPECT_EQ(invocation.probe_target, "");
    EXPECT_EQ(invocation.probe_timeout, std::chrono::seconds(5));
    invocation = parse({"--probe", "[::1]:7", "--probe-timeout", "0.25", "--welcome", "Hi"});
    EXPECT_EQ(invocation.action, Action::probe);
    EXPECT_EQ(invocation.probe_target, "[::1]:7");
    EXPECT_EQ(invocation.probe_timeout, std::chrono::milliseconds(250));
    EXPECT_EQ(invocation.settings.session.welcome,
              "Hi");  // the probe expects what the server sends
    EXPECT_EQ(parse({"--probe=127.0.0.1:9"}).probe_target, "127.0.0.1:9");
    expect_usage_error({"--probe", "--test-config"}, {"--test-config and --probe"});
    expect_usage_error({"--probe", "--inetd"}, {"--inetd and --probe cannot be combined"});
    expect_usage_error({"--probe-timeout", "3"}, {"--probe-timeout only applies to --probe"});
    expect_usage_error({"--probe", "--probe-timeout", "0"},
                       {"--probe-timeout: '0' would give the server no time to answer"});
    EXPECT_EQ(parse({"--inetd", "--test-config"}).action, Action::test_config);
}

TEST(Settings, TestConfigStillValidates) {
    expect_usage_error({"-t", "--backlog", "0"}, {"--backlog"});
}

TEST(Settings, TimestampAndEchoHaveNoWelcomeByDefault) {
    EXPECT_EQ(settings_of({"--protocol", "timestamp"}).session.welcome, "");
    EXPECT_EQ(settings_of({"--protocol", "echo"}).session.welcome, "");
    EXPECT_EQ(settings_of({"--protocol", "timestamp", "--welcome", "Hi"}).session.welcome, "Hi");
    EXPECT_EQ(settings_of({"--protocol", "greeting"}).session.welcome, "Welcome!");
}

TEST(Settings, ListenAccumulatesWithinOneSource) {
    const TempFile file("listen = a:1\nlisten = b:2, c:3\n");
    EXPECT_EQ(settings_of({"--config", file.c_str()}).listen,
              (std::vector<std::string>{"a:1", "b:2", "c:3"}));
    EXPECT_EQ(settings_of({"-l", "x:1", "--listen", "y:2"}).listen,
              (std::vector<std::string>{"x:1", "y:2"}));
}

TEST(Settings, ListenFromHigherSourceReplacesLower) {
    const TempFile file("listen = file:1\nlisten = file:2\n");
    const Environment env{{"HELLOD_LISTEN", "env:1"}, {"HELLOD_CONFIG", file.path()}};
    EXPECT_EQ(settings_of({}, env).listen, std::vector<std::string>{"env:1"});
    EXPECT_EQ(settings_of({"-l", "cli:1"}, env).listen, std::vector<std::string>{"cli:1"});
    EXPECT_EQ(settings_of({"--config", file.c_str()}).listen,
              (std::vector<std::string>{"file:1", "file:2"}));
}

TEST(Settings, CommandLineBeatsEnvironment) {
    const Environment env{{"HELLOD_MAX_CONNECTIONS", "5"}, {"HELLOD_WELCOME", "env"}};
    const auto s = settings_of({"--max-connections", "7"}, env);
    EXPECT_EQ(s.max_connections, 7u);
    EXPECT_EQ(s.session.welcome, "env");
}

TEST(Settings, EnvironmentBeatsFile) {
    const TempFile file("max-connections = 3\nbacklog = 4\n");
    const auto s = settings_of({"-c", file.c_str()}, {{"HELLOD_MAX_CONNECTIONS", "5"}});
    EXPECT_EQ(s.max_connections, 5u);
    EXPECT_EQ(s.backlog, 4);
}

TEST(Settings, CommandLineBeatsFile) {
    const TempFile file("max-connections = 3\n");
    EXPECT_EQ(settings_of({"--config", file.c_str(), "--max-connections", "8"}).max_connections,
              8u);
}

TEST(Settings, FileBeatsDefaults) {
    const TempFile file("idle-timeout = 12\nprotocol = echo\n");
    const auto s = settings_of({"--config", file.c_str()});
    EXPECT_EQ(s.idle_timeout, 12s);
    EXPECT_EQ(s.session.protocol, Protocol::echo);
    EXPECT_EQ(s.write_timeout, Settings{}.write_timeout);
    EXPECT_EQ(s.config_file, file.path());
}

TEST(Settings, ConfigOptionBeatsConfigVariable) {
    const TempFile chosen("backlog = 1\n");
    const TempFile ignored("backlog = 2\n");
    const auto s = settings_of({"--config", chosen.c_str()}, {{"HELLOD_CONFIG", ignored.path()}});
    EXPECT_EQ(s.backlog, 1);
    EXPECT_EQ(s.config_file, chosen.path());
}

TEST(Settings, BadValueIsReportedEvenWhenOverridden) {
    const TempFile file("backlog = many\n");
    expect_error({"--config", file.c_str(), "--backlog", "3"}, {}, exit_code::config,
                 {file.path() + ":1: backlog: 'many'"});
    expect_error({"--backlog", "3"}, {{"HELLOD_BACKLOG", "many"}}, exit_code::config,
                 {"HELLOD_BACKLOG: 'many'"});
}

TEST(SettingsIdentity, FromEverySource) {
    const TempFile file("user = daemon\ngroup = 1\nrun-as-root = yes\n");
    auto s = settings_of({"--config", file.c_str()});
    EXPECT_EQ(s.user, "daemon");
    EXPECT_EQ(s.group, "1");
    EXPECT_TRUE(s.run_as_root);
    s = settings_of(
        {"--config", file.c_str()},
        {{"HELLOD_USER", " nobody "}, {"HELLOD_GROUP", "nogroup"}, {"HELLOD_RUN_AS_ROOT", "no"}});
    EXPECT_EQ(s.user, "nobody");
    EXPECT_EQ(s.group, "nogroup");
    EXPECT_FALSE(s.run_as_root);
    s = settings_of({"--user", "65534", "--config", file.c_str()}, {{"HELLOD_USER", "nobody"}});
    EXPECT_EQ(s.user, "65534");
    EXPECT_EQ(s.group, "1");
    EXPECT_FALSE(settings_of({}).run_as_root);
    EXPECT_TRUE(settings_of({"--run-as-root"}).run_as_root);
}

TEST(Settings, LogFormatFromEachSource) {
    EXPECT_EQ(settings_of({}).log_format, LogFormat::text);
    EXPECT_EQ(settings_of({"--log-format=json"}).log_format, LogFormat::json);
    EXPECT_EQ(settings_of({}, {{"HELLOD_LOG_FORMAT", " json "}}).log_format, LogFormat::json);
    const TempFile file("log-format = json\n");
    EXPECT_EQ(settings_of({"--config", file.c_str()}).log_format, LogFormat::json);
    // The usual precedence: the command line over the environment over the file.
    EXPECT_EQ(settings_of({"--config", file.c_str()}, {{"HELLOD_LOG_FORMAT", "text"}}).log_format,
              LogFormat::text);
    EXPECT_EQ(settings_of({"--log-format", "json"}, {{"HELLOD_LOG_FORMAT", "text"}}).log_format,
              LogFormat::json);
}

TEST(SettingsAccess, NoneByDefault) {
    EXPECT_TRUE(settings_of({}).access.empty());
}

TEST(SettingsAccess, AHigherSourceReplacesALowerOnesRulesOfTheSameKind) {
    const TempFile file("allow = 10.0.0.0/8\ndeny = 10.0.0.5\n");
    const Environment env{{"HELLOD_ALLOW", "192.0.2.0/24"}};
    const auto s = settings_of({"--config", file.c_str()}, env);
    EXPECT_EQ(texts(s.access.allowed()), (Texts{"192.0.2.0/24"}));
    EXPECT_EQ(texts(s.access.denied()), (Texts{"10.0.0.5/32"}));  // deny kept from the file
    EXPECT_EQ(texts(settings_of({"--allow", "::1"}, env).access.allowed()), (Texts{"::1/128"}));
}

}  // namespace
}  // namespace hellod
