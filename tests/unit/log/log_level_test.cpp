// Level and format names.
#include "log/log_level.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hellod {
namespace {

using namespace std::chrono_literals;
using namespace testing;

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

}  // namespace
}  // namespace hellod
