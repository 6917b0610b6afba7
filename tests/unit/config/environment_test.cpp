// HELLOD_* variables: names, values, warnings for those that name no setting, HELLOD_CONFIG.
#include "config/environment.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "settings_harness.hpp"

namespace hellod {
namespace {

using namespace std::chrono_literals;
using namespace testing;

TEST(Settings, ConfigFileFromEnvironment) {
    const TempFile file("backlog = 42\n");
    const auto s = settings_of({}, {{"HELLOD_CONFIG", file.path()}});
    EXPECT_EQ(s.backlog, 42);
    EXPECT_EQ(s.config_file, file.path());
}

TEST(Settings, EmptyConfigVariableMeansNoFile) {
    const auto s = settings_of({}, {{"HELLOD_CONFIG", ""}});
    EXPECT_EQ(s, Settings{});
}

TEST(Settings, UnknownEnvironmentVariablesAreWarnings) {
    const Environment env{{"HELLOD_PORT", "tcp://10.0.0.1:9999"},
                          {"HELLOD_SERVICE_HOST", "10.0.0.1"},
                          {"HELLOD_HELP", "1"},
                          {"HELLOD_MAX_CONECTIONS", "3"},
                          {"HELLOD_max_connections", "3"},
                          {"HELLOD_", "x"},
                          {"HELLOD_BACKLOG", "9"}};
    const auto invocation = parse({}, env);
    EXPECT_EQ(invocation.settings.backlog, 9);
    EXPECT_EQ(invocation.settings.max_connections, Settings{}.max_connections);
    ASSERT_EQ(invocation.warnings.size(), 6u);
    const auto warned = [&](std::string_view fragment) {
        for (const auto& warning : invocation.warnings) {
            EXPECT_FALSE(contains(warning, "\n")) << warning;
            if (contains(warning, fragment)) return true;
        }
        return false;
    };
    EXPECT_TRUE(warned("ignoring environment variable HELLOD_PORT: no such setting"));
    EXPECT_TRUE(warned("ignoring environment variable HELLOD_SERVICE_HOST: no such setting"));
    EXPECT_TRUE(warned("HELLOD_HELP: --help only works on the command line"));
    EXPECT_TRUE(
        warned("HELLOD_MAX_CONECTIONS: no such setting (did you mean "
               "HELLOD_MAX_CONNECTIONS?)"));
    EXPECT_TRUE(warned("HELLOD_max_connections: no such setting"));
    EXPECT_TRUE(warned("ignoring environment variable HELLOD_: no such setting"));
}

TEST(Settings, EnvironmentNamesMapDashesToUnderscores) {
    const auto s = settings_of({}, {{"HELLOD_MAX_CONNECTIONS_PER_IP", "4"},
                                    {"HELLOD_EXIT_COMMAND", "quit"},
                                    {"HELLOD_LOG_LEVEL", "error"},
                                    {"HELLOD_LOG_FORMAT", "json"}});
    EXPECT_EQ(s.max_connections_per_ip, 4u);
    EXPECT_EQ(s.session.exit_command, "quit");
    EXPECT_EQ(s.log_level, LogLevel::error);
    EXPECT_EQ(s.log_format, LogFormat::json);
}

TEST(Settings, EnvironmentBadValues) {
    expect_env_error({{"HELLOD_MAX_CONNECTIONS", "x"}},
                     {"HELLOD_MAX_CONNECTIONS: 'x' is not a whole number from 1 to 1000000"});
    expect_env_error({{"HELLOD_WRITE_TIMEOUT", "0"}}, {"HELLOD_WRITE_TIMEOUT: '0'"});
    expect_env_error({{"HELLOD_UDP_ECHO", ""}}, {"HELLOD_UDP_ECHO: ''"});
    expect_env_error({{"HELLOD_REPLY", "%d"}}, {"HELLOD_REPLY: '%d' at byte 1"});
    expect_env_error({{"HELLOD_FAREWELL", "a\nb"}}, {"HELLOD_FAREWELL: ", "line feed"});
    expect_env_error({{"HELLOD_LOG_FORMAT", "xml"}},
                     {"HELLOD_LOG_FORMAT: 'xml' is not one of text, json"});
}

TEST(Settings, CurrentEnvironmentKeepsOnlyHellodVariables) {
    ::setenv("HELLOD_SETTINGS_TEST_VARIABLE", "a=b", 1);
    ::setenv("NOT_HELLOD_SETTINGS_TEST", "x", 1);
    const auto env = current_environment();
    ::unsetenv("HELLOD_SETTINGS_TEST_VARIABLE");
    ::unsetenv("NOT_HELLOD_SETTINGS_TEST");
    ASSERT_TRUE(env.contains("HELLOD_SETTINGS_TEST_VARIABLE"));
    EXPECT_EQ(env.at("HELLOD_SETTINGS_TEST_VARIABLE"), "a=b");
    for (const auto& [name, value] : env)
        EXPECT_TRUE(name.starts_with("HELLOD_")) << name;
}

TEST(SettingsAccess, FromTheEnvironment) {
    const auto s =
        settings_of({}, {{"HELLOD_ALLOW", "192.0.2.0/24 2001:db8::/32"}, {"HELLOD_DENY", "::1"}});
    EXPECT_EQ(texts(s.access.allowed()), (Texts{"192.0.2.0/24", "2001:db8::/32"}));
    EXPECT_EQ(texts(s.access.denied()), (Texts{"::1/128"}));
}

}  // namespace
}  // namespace hellod
