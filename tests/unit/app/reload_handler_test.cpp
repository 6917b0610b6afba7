// SIGHUP's whole step in the daemon: the settings read again, and the logging settings applied at
// once (config/reload itself changes nothing).
#include "app/reload_handler.hpp"

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

class ReloadHandler : public testing::ReloadFixture {
  protected:
    std::shared_ptr<const Settings> reload_and_apply(const Settings& running) {
        return reload_and_report(args(), {}, running, false);
    }
};

TEST_F(ReloadHandler, TheLogLevelTakesEffectAtOnce) {
    const TempFile file("log-level = info\n");
    const Settings running = start(file);
    log::set_level(running.log_level);
    file.rewrite("log-level = debug\n");
    ASSERT_TRUE(reload_and_apply(running));
    EXPECT_TRUE(log::enabled(LogLevel::debug));
}

TEST_F(ReloadHandler, TheLogFormatTakesEffectAtOnce) {
    const TempFile file("log-format = text\n");
    const Settings running = start(file);
    log::set_format(running.log_format);
    file.rewrite("log-format = json\n");
    const auto next = reload_and_apply(running);
    ASSERT_TRUE(next);
    EXPECT_EQ(log::format(), LogFormat::json);
    EXPECT_EQ(changed_settings(running, *next), (std::vector<std::string>{"log-format"}));
}

TEST_F(ReloadHandler, AFailedReloadKeepsTheLogSettings) {
    const TempFile file("log-level = info\n");
    const Settings running = start(file);
    log::set_level(running.log_level);
    file.rewrite("log-level = debug\nmax-connections = lots\n");
    EXPECT_EQ(reload_and_apply(running), nullptr);
    EXPECT_FALSE(log::enabled(LogLevel::debug));
}

}  // namespace
}  // namespace hellod
