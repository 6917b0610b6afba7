// --print-config: every setting written so that it reads back to the same settings.
#include "config/to_ini.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "settings_harness.hpp"

namespace hellod {
namespace {

using namespace std::chrono_literals;
using namespace testing;

// Writes `settings` with to_ini and reads them back through --config.
Settings round_trip(const Settings& settings) {
    const TempFile file(to_ini(settings));
    auto read = settings_of({"--config", file.c_str()});
    EXPECT_EQ(read.config_file, file.path());
    read.config_file = settings.config_file;
    return read;
}

TEST(Settings, IniOfDefaults) {
    const auto ini = to_ini(Settings{});
    EXPECT_TRUE(ini.starts_with("# ")) << ini;
    for (const char* line :
         {"\n# listen = (built-in default: *:9999, every address, IPv4 and IPv6)\n",
          "\n# metrics-listen = (off: no metrics endpoint)\n",
          "\nprotocol = greeting\n",
          "\nframing = line\n",
          "\nwelcome = Welcome!\n",
          "\nreply = Hello, %s!\n",
          "\nexit-command = exit\n",
          "\nfarewell = Bye!\n",
          "\nbacklog = 511\n",
          "\nmax-connections = 10000\n",
          "\nmax-connections-per-ip = 64\n",
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

TEST(Settings, IniRoundTripsDefaults) {
    EXPECT_EQ(round_trip(Settings{}), Settings{});
}

TEST(Settings, IniRoundTrips) {
    Settings s;
    s.listen = {"127.0.0.1:7000", "[::1]:7001", "localhost:7002"};
    s.metrics_listen = {"127.0.0.1:9100", "[::1]:9100"};
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
    const auto path = std::filesystem::path(HELLOD_SOURCE_DIR) / "config/hellod.conf";
    std::ifstream in(path);
    ASSERT_TRUE(in) << "cannot read " << path;
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
    for (const char* name : {"protocol",
                             "framing",
                             "welcome",
                             "reply",
                             "exit-command",
                             "farewell",
                             "backlog",
                             "max-connections",
                             "max-connections-per-ip",
                             "idle-timeout",
                             "write-timeout",
                             "max-line-bytes",
                             "shutdown-timeout",
                             "proxy-header-timeout",
                             "udp-echo",
                             "udp-echo-rate",
                             "log-level",
                             "log-format",
                             "user",
                             "group",
                             "run-as-root"}) {
        EXPECT_TRUE(contains(uncommented, std::string("\n") + name + " = ")) << name;
    }
}

TEST(SettingsProtocolFit, PrintedEchoConfigLoadsWithoutWarnings) {
    const auto printed = to_ini(settings_of({"--protocol", "echo"}));
    const TempFile file(printed);
    const auto invocation = parse({"--config", file.c_str()});
    EXPECT_TRUE(invocation.warnings.empty()) << invocation.warnings.front();
    EXPECT_EQ(invocation.settings.session.protocol, Protocol::echo);
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

TEST(SettingsProxyProtocol, PrintConfigRoundTrips) {
    Settings s;
    EXPECT_TRUE(contains(to_ini(s),
                         "\n# proxy-protocol-from = (none: no connection carries a PROXY header)\n"
                         "proxy-header-timeout = 5\n"))
        << to_ini(s);
    s = settings_of({"--proxy-protocol-from", "10.0.0.0/24, fd00::/8", "--proxy-protocol-from",
                     "192.0.2.1", "--proxy-header-timeout", "0.5"});
    const auto ini = to_ini(s);
    EXPECT_TRUE(contains(ini,
                         "\nproxy-protocol-from = 10.0.0.0/24\nproxy-protocol-from = fd00::/8\n"
                         "proxy-protocol-from = 192.0.2.1/32\nproxy-header-timeout = 0.5\n"))
        << ini;
    EXPECT_EQ(round_trip(s), s) << ini;
}

}  // namespace
}  // namespace hellod
