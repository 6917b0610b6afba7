#pragma once
// What the reload tests share: a daemon "started" as hellod --config FILE, whose command line
// a reload reads again, and the log settings put back after each test.

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "config/invocation.hpp"
#include "log/log.hpp"
#include "temp_file.hpp"

namespace hellod::testing {

class ReloadFixture : public ::testing::Test {
  protected:
    void SetUp() override { saved_level_ = log::threshold.load(); }
    void TearDown() override {
        log::threshold.store(saved_level_);
        log::set_format(LogFormat::text);
    }

    // Starts "hellod --config FILE" as main() would, then returns the running settings.
    Settings start(const TempFile& file, const Environment& env = {}) {
        path_ = file.path();  // the command line outlives the file in one test
        args_ = {"hellod", "--config", path_.c_str()};
        return parse_invocation(args_, env).settings;
    }
    std::span<const char* const> args() const { return args_; }

  private:
    std::string path_;
    std::vector<const char*> args_;
    int saved_level_ = 0;
};

}  // namespace hellod::testing
