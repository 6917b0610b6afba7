// The value parsers, through the command line: what each kind of value accepts and how a bad one is
// refused.
#include "config/values.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "settings_harness.hpp"

namespace hellod {
namespace {

using namespace std::chrono_literals;
using namespace testing;

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

TEST(Settings, ListenValuesSplitOnCommasAndBlanks) {
    EXPECT_EQ(settings_of({}, {{"HELLOD_LISTEN", "127.0.0.1:1, [::1]:1"}}).listen,
              (std::vector<std::string>{"127.0.0.1:1", "[::1]:1"}));
    EXPECT_EQ(settings_of({"-l", " a:1,b:2 \t c:3,, "}).listen,
              (std::vector<std::string>{"a:1", "b:2", "c:3"}));
}

TEST(Settings, ListenMustNameAnAddress) {
    expect_usage_error({"--listen", ""}, {"--listen: ''", "names no address"});
    expect_usage_error({"-l", " , "}, {"--listen: ' , '"});
    expect_env_error({{"HELLOD_LISTEN", ""}}, {"HELLOD_LISTEN: ''"});
    expect_file_error("\nlisten =\n", 2, {"listen: ''", "names no address"});
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
                       {"--reply: '%d' at byte 8 is not allowed (use %s for the line, %h for the "
                        "host name and %% for a literal %)"});
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

// A listen address is checked for form when it is read, so the error names its source (the
// option, file:line, the variable); a fixed one given twice is refused, port 0 may repeat.
TEST(ListenAddresses, CheckedForFormAndGivenOnce) {
    std::vector<std::string> into;
    add_listen_addresses(into, "127.0.0.1:9999, [::1]:9999 *:0");
    EXPECT_EQ(into, (std::vector<std::string>{"127.0.0.1:9999", "[::1]:9999", "*:0"}));
    const auto error = [&](std::string_view text) {
        try {
            add_listen_addresses(into, text);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_EQ(error("127.0.0.1"), "'127.0.0.1' needs a port, as HOST:PORT");
    EXPECT_EQ(error("localhost:99999"),
              "'localhost:99999' has port 99999, but ports go from 0 "
              "to 65535");
    EXPECT_EQ(error("[::1]:9999"), "'[::1]:9999' is given twice: one socket cannot be bound twice");
    EXPECT_EQ(error("*:0"), "accepted");
}

}  // namespace
}  // namespace hellod
