// SIGHUP's settings step: the same command line, environment and file, read again.
#include "config/reload.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "config/invocation.hpp"
#include "config/setting_table.hpp"
#include "log/log.hpp"
#include "reload_fixture.hpp"
#include "temp_file.hpp"

namespace hellod {
namespace {

using testing::TempFile;

class Reload : public testing::ReloadFixture {
  protected:
    std::shared_ptr<const Settings> reload(const Settings& running, const Environment& env = {}) {
        return reload_settings(args(), env, running).next;
    }
};

TEST_F(Reload, NewValuesApply) {
    const TempFile file("welcome = Hi\nmax-connections = 5\n");
    const Settings running = start(file);
    file.rewrite("welcome = Howdy\nmax-connections = 7\nreply = Yo, %s\n");
    const auto next = reload(running);
    ASSERT_TRUE(next);
    EXPECT_EQ(next->session.welcome, "Howdy");
    EXPECT_EQ(next->max_connections, 7u);
    EXPECT_EQ(next->session.reply.source(), "Yo, %s");
    EXPECT_EQ(changed_settings(running, *next),
              (std::vector<std::string>{"welcome", "reply", "max-connections"}));
}

TEST_F(Reload, TheEnvironmentIsReadAgainAndStillWinsOverTheFile) {
    const TempFile file("welcome = Hi\n");
    const Settings running = start(file, {{"HELLOD_FAREWELL", "Ciao"}});
    file.rewrite("welcome = Hey\nfarewell = Later\n");
    const auto next = reload(running, {{"HELLOD_FAREWELL", "Ciao"}});
    ASSERT_TRUE(next);
    EXPECT_EQ(next->session.welcome, "Hey");
    EXPECT_EQ(next->session.farewell, "Ciao");
}

TEST_F(Reload, AnInvalidFileKeepsTheRunningSettings) {
    const TempFile file("welcome = Hi\n");
    const Settings running = start(file);
    file.rewrite("welcome = Hey\nmax-connections = lots\n");
    EXPECT_EQ(reload(running), nullptr);
    file.rewrite("welcome = \"unterminated\n");
    EXPECT_EQ(reload(running), nullptr);
    file.rewrite("protocol = echo\nframing = raw\n");
    EXPECT_EQ(reload(running), nullptr);
}

TEST_F(Reload, AMissingFileKeepsTheRunningSettings) {
    Settings running;
    {
        const TempFile file("welcome = Hi\n");
        running = start(file);
    }  // removed
    EXPECT_EQ(reload(running), nullptr);
}

TEST_F(Reload, ListenAndUdpEchoWaitForARestart) {
    const TempFile file("listen = 127.0.0.1:7001\nwelcome = Hi\n");
    const Settings running = start(file);
    file.rewrite("listen = 127.0.0.1:7002\nudp-echo = true\nwelcome = Hey\n");
    const auto next = reload(running);
    ASSERT_TRUE(next);
    EXPECT_EQ(next->listen, running.listen);
    EXPECT_FALSE(next->udp_echo);
    EXPECT_EQ(next->session.welcome, "Hey");
    EXPECT_EQ(changed_settings(running, *next), (std::vector<std::string>{"welcome"}));
}

// The endpoint was bound before the privilege drop, like the greeting sockets; the warning names
// both the new addresses and the ones still served.
TEST_F(Reload, MetricsListenWaitsForARestart) {
    const TempFile file("metrics-listen = 127.0.0.1:9100\nwelcome = Hi\n");
    const Settings running = start(file);
    file.rewrite("metrics-listen = 127.0.0.1:9101\nwelcome = Hey\n");
    auto result = reload_settings(args(), {}, running);
    ASSERT_TRUE(result.next);
    EXPECT_EQ(result.next->metrics_listen, std::vector<std::string>{"127.0.0.1:9100"});
    EXPECT_EQ(result.changed, (std::vector<std::string>{"welcome"}));
    ASSERT_EQ(result.warnings.size(), 1u);
    EXPECT_EQ(result.warnings[0],
              "metrics-listen changed to 127.0.0.1:9101; restart hellod to apply it (metrics "
              "still on 127.0.0.1:9100)");
    file.rewrite("welcome = Hey\n");
    result = reload_settings(args(), {}, running);
    ASSERT_EQ(result.warnings.size(), 1u);
    EXPECT_EQ(result.warnings[0],
              "metrics-listen changed to off; restart hellod to apply it (metrics still on "
              "127.0.0.1:9100)");
}

// After dropping root there is no way back to take another identity.
TEST_F(Reload, WhoHellodServesAsWaitsForARestart) {
    const TempFile file("user = nobody\nwelcome = Hi\n");
    const Settings running = start(file);
    file.rewrite("user = daemon\ngroup = daemon\nrun-as-root = yes\nwelcome = Hey\n");
    const auto next = reload(running);
    ASSERT_TRUE(next);
    EXPECT_EQ(next->user, "nobody");
    EXPECT_EQ(next->group, "");
    EXPECT_FALSE(next->run_as_root);
    EXPECT_EQ(changed_settings(running, *next), (std::vector<std::string>{"welcome"}));
}

// Reading the settings again changes nothing by itself: the caller applies what it found.
TEST_F(Reload, ReadingAgainIsPure) {
    const TempFile file("log-level = info\nlog-format = text\n");
    const Settings running = start(file);
    log::set_level(running.log_level);
    log::set_format(running.log_format);
    file.rewrite("log-level = debug\nlog-format = json\nwelcome = Hey\nudp-echo = yes\n");
    const ReloadResult result = reload_settings(args(), {}, running);
    ASSERT_TRUE(result.next);
    EXPECT_FALSE(log::enabled(LogLevel::debug));
    EXPECT_EQ(log::format(), LogFormat::text);
    EXPECT_EQ(result.changed, (std::vector<std::string>{"welcome", "log-level", "log-format"}));
    EXPECT_EQ(result.warnings,
              (std::vector<std::string>{"udp-echo changed to true; restart hellod to apply it"}));
    EXPECT_EQ(result.summary, "reloaded " + running.config_file +
                                  ": changed welcome, log-level, log-format; sessions that start "
                                  "from now on use the new settings");
}

TEST_F(Reload, AFailureSaysWhy) {
    const TempFile file("welcome = Hi\n");
    const Settings running = start(file);
    file.rewrite("max-connections = lots\n");
    const ReloadResult result = reload_settings(args(), {}, running);
    EXPECT_EQ(result.next, nullptr);
    EXPECT_EQ(result.error, file.path() +
                                ":1: max-connections: 'lots' is not a whole number from 1 to "
                                "1000000");
}

}  // namespace
}  // namespace hellod
