#include "config/settings.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "app/fatal_error.hpp"
#include "config/invocation.hpp"
#include "config/setting_table.hpp"
#include "config/to_ini.hpp"
#include "temp_file.hpp"

namespace hellod {
namespace {

using namespace std::chrono_literals;

using testing::TempFile;

Invocation parse(std::initializer_list<const char*> args, const Environment& env = {}) {
    std::vector<const char*> argv{"hellod"};
    argv.insert(argv.end(), args);
    return parse_invocation(argv, env);
}

Settings settings_of(std::initializer_list<const char*> args, const Environment& env = {}) {
    return parse(args, env).settings;
}

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

// Expects parse_invocation to fail with `code` and a one-line message holding every fragment.
void expect_error(std::initializer_list<const char*> args, const Environment& env, int code,
                  std::initializer_list<std::string_view> fragments) {
    try {
        parse(args, env);
        ADD_FAILURE() << "no error (expected " << code << ")";
    } catch (const std::exception& e) {
        const std::string_view message = e.what();
        EXPECT_EQ(exit_code_for(e), code) << message;
        EXPECT_FALSE(contains(message, "\n")) << "not one line: " << message;
        EXPECT_FALSE(message.starts_with("hellod:")) << message;  // main() adds that
        for (const auto fragment : fragments) {
            EXPECT_TRUE(contains(message, fragment)) << "'" << fragment << "' not in: " << message;
        }
    }
}

void expect_usage_error(std::initializer_list<const char*> args,
                        std::initializer_list<std::string_view> fragments) {
    expect_error(args, {}, exit_code::usage, fragments);
}

void expect_env_error(const Environment& env, std::initializer_list<std::string_view> fragments) {
    expect_error({}, env, exit_code::config, fragments);
}

// The file's contents must be rejected with an error naming FILE:line.
void expect_file_error(std::string_view contents, int line,
                       std::initializer_list<std::string_view> fragments) {
    const TempFile file(contents);
    const std::string where = file.path() + ":" + std::to_string(line) + ": ";
    expect_error({"--config", file.c_str()}, {}, exit_code::config, fragments);
    expect_error({"--config", file.c_str()}, {}, exit_code::config, {where});
}

// ---------------------------------------------------------------------------------------------
// Actions

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

// ---------------------------------------------------------------------------------------------
// Each setting

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
    EXPECT_EQ(s.log_level, LogLevel::debug);
    EXPECT_EQ(s.log_format, LogFormat::json);
    EXPECT_EQ(s.user, "nobody");
    EXPECT_EQ(s.group, "nogroup");
    EXPECT_TRUE(s.run_as_root);
}

TEST(Settings, EqualsSignAndShortForms) {
    const auto s = settings_of({"--backlog=9", "-l", "a:1", "-lb:2", "--listen=c:3"});
    EXPECT_EQ(s.backlog, 9);
    EXPECT_EQ(s.listen, (std::vector<std::string>{"a:1", "b:2", "c:3"}));
}

TEST(Settings, EnumsIgnoreCase) {
    const auto s = settings_of({"--protocol", "TimeStamp", "--framing", "Raw", "--log-level",
                                "WARN", "--log-format", "JSON"});
    EXPECT_EQ(s.session.protocol, Protocol::timestamp);
    EXPECT_EQ(s.session.framing, Framing::raw);
    EXPECT_EQ(s.log_level, LogLevel::warning);
    EXPECT_EQ(s.log_format, LogFormat::json);
}

TEST(Settings, Booleans) {
    EXPECT_TRUE(settings_of({"--udp-echo"}).udp_echo);
    EXPECT_FALSE(settings_of({"--udp-echo=false"}).udp_echo);
    EXPECT_TRUE(settings_of({"--udp-echo=ON"}).udp_echo);
    for (const char* yes : {"true", "yes", "on", "1", "Yes"}) {
        EXPECT_TRUE(settings_of({}, {{"HELLOD_UDP_ECHO", yes}}).udp_echo) << yes;
    }
    for (const char* no : {"false", "no", "off", "0", "FALSE"}) {
        EXPECT_FALSE(settings_of({}, {{"HELLOD_UDP_ECHO", no}}).udp_echo) << no;
    }
    EXPECT_FALSE(settings_of({"--udp-echo=no"}, {{"HELLOD_UDP_ECHO", "on"}}).udp_echo);
    EXPECT_TRUE(settings_of({"--udp-echo"}, {{"HELLOD_UDP_ECHO", "off"}}).udp_echo);
    // A bare flag followed by another option leaves that option alone.
    const auto s = settings_of({"--udp-echo", "--backlog", "3"});
    EXPECT_TRUE(s.udp_echo);
    EXPECT_EQ(s.backlog, 3);
}

TEST(Settings, DurationsRoundToMilliseconds) {
    EXPECT_EQ(settings_of({"--idle-timeout", "1.2345"}).idle_timeout, 1235ms);
    EXPECT_EQ(settings_of({"--idle-timeout", "1.2344999"}).idle_timeout, 1234ms);
    EXPECT_EQ(settings_of({"--idle-timeout", "0.0005"}).idle_timeout, 1ms);
    EXPECT_EQ(settings_of({"--idle-timeout", ".25"}).idle_timeout, 250ms);
    EXPECT_EQ(settings_of({"--idle-timeout", "7."}).idle_timeout, 7s);
    EXPECT_EQ(settings_of({"--idle-timeout", "0"}).idle_timeout, 0ms);
    EXPECT_EQ(settings_of({"--idle-timeout", "0.000"}).idle_timeout, 0ms);
    EXPECT_EQ(settings_of({"--idle-timeout", "31536000"}).idle_timeout, 31'536'000s);
    EXPECT_EQ(settings_of({"--write-timeout", "0.001"}).write_timeout, 1ms);
    EXPECT_EQ(settings_of({"--shutdown-timeout", "2.5"}).shutdown_timeout, 2500ms);
}

TEST(Settings, NumbersMayHaveSurroundingBlanks) {
    EXPECT_EQ(settings_of({}, {{"HELLOD_BACKLOG", " 12 "}}).backlog, 12);
    EXPECT_EQ(settings_of({}, {{"HELLOD_IDLE_TIMEOUT", "\t3 "}}).idle_timeout, 3s);
}

TEST(Settings, RangeLimitsAreInclusive) {
    auto s = settings_of({"--backlog", "65535", "--max-connections", "1000000",
                          "--max-connections-per-ip", "0", "--max-line-bytes", "1048576"});
    EXPECT_EQ(s.backlog, 65535);
    EXPECT_EQ(s.max_connections, 1'000'000u);
    EXPECT_EQ(s.max_connections_per_ip, 0u);
    EXPECT_EQ(s.session.max_line_bytes, 1'048'576u);
    s = settings_of({"--backlog", "1", "--max-connections", "1", "--max-line-bytes", "1",
                     "--max-connections-per-ip", "1000000"});
    EXPECT_EQ(s.backlog, 1);
    EXPECT_EQ(s.max_connections, 1u);
    EXPECT_EQ(s.max_connections_per_ip, 1'000'000u);  // above max-connections is fine
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

TEST(Settings, TimestampAndEchoHaveNoWelcomeByDefault) {
    EXPECT_EQ(settings_of({"--protocol", "timestamp"}).session.welcome, "");
    EXPECT_EQ(settings_of({"--protocol", "echo"}).session.welcome, "");
    EXPECT_EQ(settings_of({"--protocol", "timestamp", "--welcome", "Hi"}).session.welcome, "Hi");
    EXPECT_EQ(settings_of({"--protocol", "greeting"}).session.welcome, "Welcome!");
}

// ---------------------------------------------------------------------------------------------
// listen

TEST(Settings, ListenValuesSplitOnCommasAndBlanks) {
    EXPECT_EQ(settings_of({}, {{"HELLOD_LISTEN", "127.0.0.1:1, [::1]:1"}}).listen,
              (std::vector<std::string>{"127.0.0.1:1", "[::1]:1"}));
    EXPECT_EQ(settings_of({"-l", " a:1,b:2 \t c:3,, "}).listen,
              (std::vector<std::string>{"a:1", "b:2", "c:3"}));
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

TEST(Settings, ListenMustNameAnAddress) {
    expect_usage_error({"--listen", ""}, {"--listen: ''", "names no address"});
    expect_usage_error({"-l", " , "}, {"--listen: ' , '"});
    expect_env_error({{"HELLOD_LISTEN", ""}}, {"HELLOD_LISTEN: ''"});
    expect_file_error("\nlisten =\n", 2, {"listen: ''", "names no address"});
}

// ---------------------------------------------------------------------------------------------
// Precedence

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

TEST(Settings, ConfigFileFromEnvironment) {
    const TempFile file("backlog = 42\n");
    const auto s = settings_of({}, {{"HELLOD_CONFIG", file.path()}});
    EXPECT_EQ(s.backlog, 42);
    EXPECT_EQ(s.config_file, file.path());
}

TEST(Settings, ConfigOptionBeatsConfigVariable) {
    const TempFile chosen("backlog = 1\n");
    const TempFile ignored("backlog = 2\n");
    const auto s = settings_of({"--config", chosen.c_str()}, {{"HELLOD_CONFIG", ignored.path()}});
    EXPECT_EQ(s.backlog, 1);
    EXPECT_EQ(s.config_file, chosen.path());
}

TEST(Settings, EmptyConfigVariableMeansNoFile) {
    const auto s = settings_of({}, {{"HELLOD_CONFIG", ""}});
    EXPECT_EQ(s, Settings{});
}

TEST(Settings, BadValueIsReportedEvenWhenOverridden) {
    const TempFile file("backlog = many\n");
    expect_error({"--config", file.c_str(), "--backlog", "3"}, {}, exit_code::config,
                 {file.path() + ":1: backlog: 'many'"});
    expect_error({"--backlog", "3"}, {{"HELLOD_BACKLOG", "many"}}, exit_code::config,
                 {"HELLOD_BACKLOG: 'many'"});
}

// ---------------------------------------------------------------------------------------------
// Environment

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

// ---------------------------------------------------------------------------------------------
// Command-line errors

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

TEST(Settings, WholeNumberErrors) {
    expect_usage_error({"--max-connections", "abc"},
                       {"--max-connections: 'abc' is not a whole number from 1 to 1000000"});
    expect_usage_error({"--max-connections", "0"}, {"--max-connections: '0'"});
    expect_usage_error({"--max-connections", "1000001"}, {"--max-connections: '1000001'"});
    expect_usage_error({"--max-connections", "99999999999999999999999"},
                       {"--max-connections: '99999999999999999999999'"});
    expect_usage_error({"--backlog", "0"},
                       {"--backlog: '0' is not a whole number from 1 to 65535"});
    expect_usage_error({"--backlog", "65536"}, {"--backlog: '65536'"});
    expect_usage_error({"--backlog", "-1"}, {"--backlog: '-1'"});
    expect_usage_error({"--backlog", "+1"}, {"--backlog: '+1'"});
    expect_usage_error({"--backlog", "1.5"}, {"--backlog: '1.5'"});
    expect_usage_error({"--max-connections-per-ip", "-1"},
                       {"--max-connections-per-ip: '-1' is not a whole number from 0 to 1000000"});
    expect_usage_error({"--max-connections-per-ip", "1000001"}, {"--max-connections-per-ip:"});
    expect_usage_error({"--max-line-bytes", "0"},
                       {"--max-line-bytes: '0' is not a whole number from 1 to 1048576"});
    expect_usage_error({"--max-line-bytes", "1048577"}, {"--max-line-bytes: '1048577'"});
}

TEST(Settings, DurationErrors) {
    for (const char* bad : {"5s", "-1", "-0", "inf", "nan", "1e3", "", ".", "1.2.3", "0x10", "+1",
                            "31536000.001", "99999999999999999999"}) {
        expect_usage_error({"--idle-timeout", bad},
                           {std::string("--idle-timeout: '") + bad + "'",
                            "is not a number of seconds from 0 to 31536000"});
        expect_usage_error({"--shutdown-timeout", bad}, {"--shutdown-timeout: '"});
        expect_usage_error({"--write-timeout", bad},
                           {"--write-timeout: '", "from 0.001 to 31536000"});
    }
    expect_usage_error({"--idle-timeout", "0.0004"},
                       {"--idle-timeout: '0.0004' is below the 1 ms resolution"});
}

TEST(Settings, WriteTimeoutMustBePositive) {
    for (const char* zero : {"0", "0.0", "0.000", ".0"}) {
        expect_usage_error({"--write-timeout", zero},
                           {"--write-timeout: '", "hold a worker forever"});
    }
}

TEST(Settings, ChoiceErrors) {
    expect_usage_error({"--protocol", "http"},
                       {"--protocol: 'http' is not one of greeting, echo, timestamp"});
    expect_usage_error({"--framing", "crlf"}, {"--framing: 'crlf' is not one of line, raw"});
    expect_usage_error({"--log-level", "loud"},
                       {"--log-level: 'loud' is not one of trace, debug, info, warning, error"});
    expect_usage_error({"--log-format", "logfmt"},
                       {"--log-format: 'logfmt' is not one of text, json"});
    expect_usage_error({"--log-format", ""}, {"--log-format: '' is not one of text, json"});
    expect_usage_error({"--udp-echo=maybe"}, {"--udp-echo: 'maybe' is not true or false"});
}

TEST(Settings, ReplyErrors) {
    expect_usage_error({"--reply", "Hello, %d!"},
                       {"--reply: '%d' at byte 8 is not allowed (use %s for the line and %% for "
                        "a literal %)"});
    expect_usage_error({"--reply", "%s %s"}, {"--reply: holds %s more than once"});
    expect_usage_error({"--reply", "50%"}, {"--reply: a lone '%' at byte 3"});
    expect_usage_error({"--reply", "a\rb"}, {"--reply: holds a carriage return (CR) at byte 2"});
}

TEST(Settings, TextsMustNotBreakLines) {
    expect_usage_error({"--welcome", "a\nb"},
                       {"--welcome: holds a line feed (LF) at byte 2, which would break the line "
                        "framing"});
    expect_usage_error({"--farewell", "bye\r"}, {"--farewell: holds a carriage return (CR)"});
    const std::string with_nul("quit\0now", 8);
    expect_error({}, {{"HELLOD_EXIT_COMMAND", with_nul}}, exit_code::config,
                 {"HELLOD_EXIT_COMMAND: holds a NUL byte at byte 5"});
}

TEST(Settings, ExitCommandMustBeTrimmed) {
    expect_usage_error(
        {"--exit-command", " quit"},
        {"--exit-command: ' quit' starts or ends with a space or tab", "could never match"});
    expect_usage_error({"--exit-command", "quit\t"}, {"--exit-command: 'quit\\t'"});
}

TEST(Settings, LongValuesAreCutInMessages) {
    const std::string long_value(500, '9');
    expect_error({}, {{"HELLOD_BACKLOG", long_value}}, exit_code::config,
                 {"HELLOD_BACKLOG: '" + std::string(60, '9') + "...'"});
}

// ---------------------------------------------------------------------------------------------
// Config file errors

TEST(Settings, MissingConfigFile) {
    const TempFile file("");
    const std::string path = file.path() + ".does-not-exist";
    expect_error({"--config", path.c_str()}, {}, exit_code::no_input,
                 {"cannot read config file " + path + ": No such file or directory"});
    expect_error({}, {{"HELLOD_CONFIG", path}}, exit_code::no_input,
                 {"cannot read config file " + path});
}

TEST(Settings, ConfigFileIsADirectory) {
    expect_error({"--config", "/tmp"}, {}, exit_code::no_input,
                 {"cannot read config file /tmp: Is a directory"});
}

TEST(Settings, HugeConfigFile) {
    const TempFile file(std::string(2 << 20, '#'));
    expect_error({"--config", file.c_str()}, {}, exit_code::config,
                 {"config file " + file.path() + " is larger than 1 MiB"});
}

TEST(Settings, EmptyConfigFile) {
    const TempFile file("# nothing set\n");
    auto expected = Settings{};
    expected.config_file = file.path();
    EXPECT_EQ(settings_of({"-c", file.c_str()}), expected);
}

TEST(Settings, UnknownSettingInFile) {
    expect_file_error("backlog = 3\n\nmax_conections = 4\n", 3,
                      {"unknown setting 'max_conections' (did you mean 'max-connections'?)"});
    expect_file_error("colour = blue\n", 1, {"unknown setting 'colour'"});
    expect_file_error("Listen = a:1\n", 1, {"unknown setting 'Listen' (did you mean 'listen'?)"});
}

TEST(Settings, CommandLineOptionsAreNotFileKeys) {
    expect_file_error("config = /etc/other.conf\n", 1, {"'config' cannot be set in a config file"});
    expect_file_error("help = yes\n", 1, {"'help' is a command-line option, not a setting"});
    expect_file_error("print-config = 1\n", 1, {"'print-config' is a command-line option"});
}

TEST(Settings, BadValueInFile) {
    expect_file_error("\n\nmax-connections = 0\n", 3,
                      {"max-connections: '0' is not a whole number from 1 to 1000000"});
    expect_file_error("reply = \"%s and %s\"\n", 1, {"reply: holds %s more than once"});
    expect_file_error("welcome = \"  \"\nexit-command = \" bye\"\n", 2,
                      {"exit-command: ' bye' starts or ends with a space or tab"});
    expect_file_error("udp-echo =\n", 1, {"udp-echo: '' is not true or false"});
    expect_file_error("write-timeout = 0 # never\n", 1, {"write-timeout: '0'", "forever"});
    expect_file_error("log-level = debug\nlog-format = yaml\n", 2,
                      {"log-format: 'yaml' is not one of text, json"});
}

TEST(Settings, ScalarSetTwiceInFile) {
    expect_file_error("backlog = 3\n# again:\nbacklog = 4\n", 3,
                      {"backlog is set twice (first on line 1)"});
}

TEST(Settings, MalformedFileLines) {
    expect_file_error("backlog = 3\nlisten 127.0.0.1:1\n", 2, {"no '='"});
    expect_file_error("= 3\n", 1, {"no setting name"});
    expect_file_error("\n[hellod]\nbacklog = 3\n", 2, {"'[hellod]'", "sections are not used"});
    expect_file_error("welcome = \"hi\n", 1, {"unterminated quote"});
    expect_file_error("welcome = \"hi\" you\n", 1, {"after the closing quote"});
    expect_file_error("welcome = \"\\q\"\n", 1, {"unknown escape '\\q'"});
}

// ---------------------------------------------------------------------------------------------
// to_ini

TEST(Settings, IniOfDefaults) {
    const auto ini = to_ini(Settings{});
    EXPECT_TRUE(ini.starts_with("# ")) << ini;
    for (const char* line :
         {"\n# listen = (built-in default: [::]:9999, or 0.0.0.0:9999 without IPv6)\n",
          "\nprotocol = greeting\n",
          "\nframing = line\n",
          "\nwelcome = Welcome!\n",
          "\nreply = Hello, %s!\n",
          "\nexit-command = exit\n",
          "\nfarewell = Bye!\n",
          "\nbacklog = 511\n",
          "\nmax-connections = 10000\n",
          "\nmax-connections-per-ip = 0\n",
          "\nidle-timeout = 300\n",
          "\nwrite-timeout = 30\n",
          "\nmax-line-bytes = 1024\n",
          "\nshutdown-timeout = 5\n",
          "\nudp-echo = false\n",
          "\nresolve-peers = false\n",
          "\nlog-level = info\n",
          "\nlog-format = text\n",
          "\nuser = \n",
          "\ngroup = \n",
          "\nrun-as-root = false\n"}) {
        EXPECT_TRUE(contains(ini, line)) << line << " not in:\n" << ini;
    }
    EXPECT_FALSE(contains(ini, "\nconfig")) << ini;
}

TEST(Settings, IniWritesDurationsAsShortSeconds) {
    Settings s;
    s.idle_timeout = 500ms;
    s.write_timeout = 1050ms;
    s.shutdown_timeout = 0ms;
    const auto ini = to_ini(s);
    EXPECT_TRUE(contains(ini, "\nidle-timeout = 0.5\n")) << ini;
    EXPECT_TRUE(contains(ini, "\nwrite-timeout = 1.05\n")) << ini;
    EXPECT_TRUE(contains(ini, "\nshutdown-timeout = 0\n")) << ini;
}

TEST(Settings, IniWritesOneListenLinePerAddress) {
    Settings s;
    s.listen = {"127.0.0.1:1", "[::1]:2"};
    const auto ini = to_ini(s);
    EXPECT_TRUE(contains(ini, "\nlisten = 127.0.0.1:1\nlisten = [::1]:2\n")) << ini;
    EXPECT_FALSE(contains(ini, "# listen")) << ini;
}

// Writes `settings` with to_ini and reads them back through --config.
Settings round_trip(const Settings& settings) {
    const TempFile file(to_ini(settings));
    auto read = settings_of({"--config", file.c_str()});
    EXPECT_EQ(read.config_file, file.path());
    read.config_file = settings.config_file;
    return read;
}

TEST(Settings, IniRoundTripsDefaults) {
    EXPECT_EQ(round_trip(Settings{}), Settings{});
}

TEST(Settings, IniRoundTrips) {
    Settings s;
    s.listen = {"127.0.0.1:7000", "[::1]:7001", "localhost:7002"};
    s.session.protocol = Protocol::timestamp;
    s.session.framing = Framing::raw;
    s.session.welcome = "  # Welcome; \"friend\" \\ \t";
    s.session.reply = ReplyTemplate::parse("100%% sure, %s # ok");
    s.session.exit_command = "quit now";
    s.session.farewell = "";
    s.backlog = 17;
    s.max_connections = 1'000'000;
    s.max_connections_per_ip = 2;
    s.idle_timeout = 1234ms;
    s.write_timeout = 1ms;
    s.session.max_line_bytes = 1;
    s.shutdown_timeout = 0ms;
    s.udp_echo = true;
    s.resolve_peers = true;
    s.log_level = LogLevel::warning;
    s.log_format = LogFormat::json;
    s.user = "hellod";
    s.group = "65534";
    s.run_as_root = true;
    EXPECT_EQ(round_trip(s), s) << to_ini(s);
}

TEST(Settings, IniRoundTripsAnEmptyWelcome) {
    // Timestamp sends no welcome by default, so an explicit empty one must be written.
    Settings s;
    s.session.protocol = Protocol::timestamp;
    s.session.welcome = "";
    EXPECT_EQ(round_trip(s), s);
    s.session.welcome = "Hi";
    EXPECT_EQ(round_trip(s), s);
}

TEST(Settings, PrintConfigShowsEffectiveSettings) {
    const auto invocation =
        parse({"--print-config", "--idle-timeout", "2.5"}, {{"HELLOD_LISTEN", "a:1 b:2"}});
    EXPECT_EQ(invocation.action, Action::print_config);
    const auto ini = to_ini(invocation.settings);
    EXPECT_TRUE(contains(ini, "\nidle-timeout = 2.5\n")) << ini;
    EXPECT_TRUE(contains(ini, "\nlisten = a:1\nlisten = b:2\n")) << ini;
}

// config/hellod.conf documents every setting with its default, commented out; this keeps the
// file honest when a default changes.
TEST(Settings, ShippedConfigShowsTheDefaults) {
    const auto path = std::filesystem::path(__FILE__).parent_path() / "../../config/hellod.conf";
    std::ifstream in(path);
    if (!in) GTEST_SKIP() << "no " << path;
    std::string as_shipped;
    std::string uncommented;
    for (std::string line; std::getline(in, line);) {
        as_shipped += line + '\n';
        // "# max-connections = 10000" -> "max-connections = 10000"; prose comments stay.
        const auto eq = line.find(" = ");
        const bool example =
            line.starts_with("# ") && eq != std::string::npos && line.find_first_of(" ", 2) == eq;
        uncommented += (example ? line.substr(2) : line) + '\n';
    }

    Settings expected;
    expected.listen = {"127.0.0.1:9999"};
    const TempFile shipped(as_shipped);
    expected.config_file = shipped.path();
    EXPECT_EQ(settings_of({"--config", shipped.c_str()}), expected);

    const TempFile all_set(uncommented);
    expected.config_file = all_set.path();
    EXPECT_EQ(settings_of({"--config", all_set.c_str()}), expected);
    for (const char* name : {"protocol", "framing", "welcome", "reply", "exit-command", "farewell",
                             "backlog", "max-connections", "max-connections-per-ip", "idle-timeout",
                             "write-timeout", "max-line-bytes", "shutdown-timeout", "udp-echo",
                             "log-level", "log-format", "user", "group", "run-as-root"}) {
        EXPECT_TRUE(contains(uncommented, std::string("\n") + name + " = ")) << name;
    }
}

// ---------------------------------------------------------------------------------------------
// user, group, run-as-root: the form here; whether they exist is privileges_test.cpp's part.

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

TEST(SettingsIdentity, NamesAndIdsOnly) {
    for (const char* name : {"nobody", "_apt", "systemd-network", "www.data", "svc$", "4294967294",
                             "0", "user@example.com"}) {
        EXPECT_EQ(settings_of({"--user", name}).user, name);
    }
    expect_usage_error({"--user", "4294967295"},
                       {"--user: '4294967295' is not a whole number from 0 to 4294967294"});
    for (const char* bad : {"a b", "a:b", "-x", "a/b", "a,b", "a\tb", "x\x7f"}) {
        expect_usage_error({"--user", bad}, {"--user: ",
                                             "is neither a user or group name nor a "
                                             "numeric id"});
    }
    expect_usage_error({"--user", "nobody", "--group", "a:b"}, {"--group: 'a:b' is neither"});
    expect_env_error({{"HELLOD_USER", "a b"}}, {"HELLOD_USER: 'a b' is neither"});
    expect_file_error("user = nobody\ngroup = x y\n", 2, {"group: 'x y' is neither"});
    expect_usage_error({"--run-as-root=maybe"}, {"--run-as-root: 'maybe' is not true or false"});
}

TEST(SettingsIdentity, AGroupNeedsAUser) {
    expect_error({"--group", "nogroup"}, {}, exit_code::config,
                 {"group is set but user is not: hellod changes its group only when it drops root "
                  "for --user"});
    expect_env_error({{"HELLOD_GROUP", "nogroup"}}, {"group is set but user is not"});
    EXPECT_EQ(settings_of({"--group", "nogroup"}, {{"HELLOD_USER", "nobody"}}).group, "nogroup");
}

TEST(LogLevel, NamesRoundTrip) {
    for (const auto level :
         {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warning, LogLevel::error}) {
        EXPECT_EQ(parse_log_level(to_string(level)), level);
    }
    EXPECT_EQ(parse_log_level("warn"), LogLevel::warning);
    EXPECT_EQ(parse_log_level("Error"), LogLevel::error);
    EXPECT_EQ(parse_log_level(""), std::nullopt);
    EXPECT_EQ(parse_log_level("fatal"), std::nullopt);
    EXPECT_EQ(parse_log_level("info "), std::nullopt);
}

TEST(LogFormat, NamesRoundTrip) {
    for (const auto format : {LogFormat::text, LogFormat::json})
        EXPECT_EQ(parse_log_format(to_string(format)), format);
    EXPECT_EQ(parse_log_format("Json"), LogFormat::json);
    EXPECT_EQ(parse_log_format(""), std::nullopt);
    EXPECT_EQ(parse_log_format("logfmt"), std::nullopt);
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

}  // namespace
}  // namespace hellod

// ---------------------------------------------------------------------------------------------
// Protocol fit

namespace hellod {
namespace {

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

TEST(SettingsProtocolFit, PrintedEchoConfigLoadsWithoutWarnings) {
    const auto printed = to_ini(settings_of({"--protocol", "echo"}));
    const TempFile file(printed);
    const auto invocation = parse({"--config", file.c_str()});
    EXPECT_TRUE(invocation.warnings.empty()) << invocation.warnings.front();
    EXPECT_EQ(invocation.settings.session.protocol, Protocol::echo);
}

TEST(SettingsProtocolFit, ResolvePeersIsABooleanFlag) {
    EXPECT_FALSE(settings_of({}).resolve_peers);
    EXPECT_TRUE(settings_of({"--resolve-peers"}).resolve_peers);
    EXPECT_TRUE(settings_of({}, {{"HELLOD_RESOLVE_PEERS", "yes"}}).resolve_peers);
    expect_usage_error({"--resolve-peers=sometimes"},
                       {"--resolve-peers: 'sometimes' is not true or false"});
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

}  // namespace
}  // namespace hellod

// ---------------------------------------------------------------------------------------------
// allow and deny

namespace hellod {
namespace {

std::vector<std::string> texts(const std::vector<net::Cidr>& networks) {
    std::vector<std::string> out;
    for (const auto& network : networks)
        out.push_back(network.to_string());
    return out;
}

using Texts = std::vector<std::string>;

TEST(SettingsAccess, NoneByDefault) {
    EXPECT_TRUE(settings_of({}).access.empty());
}

TEST(SettingsAccess, RepeatedOnTheCommandLineAndSplitOnCommas) {
    const auto s = settings_of({"--allow", "192.0.2.0/24, 2001:db8::/32", "--deny", "192.0.2.7",
                                "--allow=10.0.0.0/8", "--deny", "::1 127.0.0.1"});
    EXPECT_EQ(texts(s.access.allowed()), (Texts{"192.0.2.0/24", "2001:db8::/32", "10.0.0.0/8"}));
    EXPECT_EQ(texts(s.access.denied()), (Texts{"192.0.2.7/32", "::1/128", "127.0.0.1/32"}));
}

TEST(SettingsAccess, RepeatedInTheConfigFile) {
    const TempFile file("allow = 192.0.2.0/24\ndeny = 192.0.2.7\nallow = 10.0.0.0/8, ::1\n");
    const auto s = settings_of({"--config", file.c_str()});
    EXPECT_EQ(texts(s.access.allowed()), (Texts{"192.0.2.0/24", "10.0.0.0/8", "::1/128"}));
    EXPECT_EQ(texts(s.access.denied()), (Texts{"192.0.2.7/32"}));
}

TEST(SettingsAccess, FromTheEnvironment) {
    const auto s =
        settings_of({}, {{"HELLOD_ALLOW", "192.0.2.0/24 2001:db8::/32"}, {"HELLOD_DENY", "::1"}});
    EXPECT_EQ(texts(s.access.allowed()), (Texts{"192.0.2.0/24", "2001:db8::/32"}));
    EXPECT_EQ(texts(s.access.denied()), (Texts{"::1/128"}));
}

TEST(SettingsAccess, AHigherSourceReplacesALowerOnesRulesOfTheSameKind) {
    const TempFile file("allow = 10.0.0.0/8\ndeny = 10.0.0.5\n");
    const Environment env{{"HELLOD_ALLOW", "192.0.2.0/24"}};
    const auto s = settings_of({"--config", file.c_str()}, env);
    EXPECT_EQ(texts(s.access.allowed()), (Texts{"192.0.2.0/24"}));
    EXPECT_EQ(texts(s.access.denied()), (Texts{"10.0.0.5/32"}));  // deny kept from the file
    EXPECT_EQ(texts(settings_of({"--allow", "::1"}, env).access.allowed()), (Texts{"::1/128"}));
}

TEST(SettingsAccess, MistakesNameTheOptionInOneSentence) {
    expect_usage_error({"--allow", "10.0.0.1/8"},
                       {"--allow: '10.0.0.1/8' has host bits set past /8; did you mean "
                        "10.0.0.0/8?"});
    expect_usage_error({"--deny", "10.0.0.0/33"},
                       {"--deny: '10.0.0.0/33' has a prefix length that is not a whole number "
                        "from 0 to 32"});
    expect_usage_error(
        {"--allow", "192.0.2.0/24, example.com"},
        {"--allow: 'example.com' is not an IP address or network", "host names are not looked up"});
    expect_usage_error({"--deny", ""}, {"--deny: ''", "names no address"});
    expect_usage_error({"--allow", " , "}, {"--allow: ' , '", "names no address"});
    expect_usage_error({"--allow"}, {"--allow needs a value"});
    expect_env_error({{"HELLOD_DENY", "2001:db8::1/32"}},
                     {"HELLOD_DENY: '2001:db8::1/32' has host bits set past /32; did you mean "
                      "2001:db8::/32?"});
    expect_file_error("deny = 192.0.2.0/24\nallow = 10.0.0.0/8x\n", 2,
                      {"allow: '10.0.0.0/8x' has a prefix length"});
}

TEST(SettingsAccess, AllIsNotAnAddress) {
    expect_usage_error({"--deny", "all"},
                       {"--deny: 'all' is not an address: to refuse everyone write 0.0.0.0/0, "
                        "::/0; to admit only some, list them with allow, which refuses everyone "
                        "else"});
    expect_usage_error({"--allow", "ALL"},
                       {"--allow: 'ALL' is not an address: with no allow rule every client is "
                        "admitted already (or write 0.0.0.0/0, ::/0)"});
}

TEST(SettingsAccess, ScalarRepeatsStillNameTheRepeatableOnes) {
    expect_usage_error({"--backlog", "1", "--backlog", "2"},
                       {"backlog is given more than once (only --listen, --allow and --deny "
                        "repeat)"});
}

TEST(SettingsAccess, WarnsOfAllowRulesThatADenyRuleCovers) {
    const auto invocation = parse({"--allow", "192.0.2.0/24", "--deny", "0.0.0.0/0"});
    ASSERT_EQ(invocation.warnings.size(), 1u);
    EXPECT_EQ(invocation.warnings[0],
              "allow 192.0.2.0/24 can never admit anyone: deny 0.0.0.0/0 covers it, and deny "
              "wins (an allow list needs no deny rule to refuse everyone else)");
    EXPECT_TRUE(parse({"--allow", "10.0.0.0/8", "--deny", "10.0.0.5"}).warnings.empty());
}

TEST(SettingsAccess, PrintConfigRoundTrips) {
    Settings s;
    EXPECT_TRUE(contains(to_ini(s),
                         "\n# allow = (none: every client is admitted unless denied)\n"
                         "# deny = (none)\n"))
        << to_ini(s);
    s = settings_of(
        {"--allow", "192.0.2.0/24,2001:DB8::/32", "--deny", "192.0.2.7,::ffff:10.0.0.0/104"});
    const auto ini = to_ini(s);
    EXPECT_TRUE(contains(ini,
                         "\nallow = 192.0.2.0/24\nallow = 2001:db8::/32\n"
                         "deny = 192.0.2.7/32\ndeny = 10.0.0.0/8\n"))
        << ini;
    EXPECT_FALSE(contains(ini, "# allow")) << ini;
    EXPECT_EQ(round_trip(s), s) << ini;
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
