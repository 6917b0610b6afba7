// bench/hellod_bench/json_line: hellod-bench's one-line report stays valid JSON whatever bytes a
// server's error text or a target name holds (it uses the daemon's escaper).
#include "json_line.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hellod_bench {
namespace {

TEST(BenchJsonLine, InvalidUtf8BecomesReplacementCharacters) {
    const std::string line =
        JsonLine().add("error", std::string_view("bad \xff\xfe byte \xc3", 13)).add("n", 3).str();
    EXPECT_EQ(line, R"({"error":"bad \ufffd\ufffd byte \ufffd","n":3})");
}

TEST(BenchJsonLine, QuotesControlsAndUtf8) {
    EXPECT_EQ(JsonLine().add("t\"k", "a\\b\n\x01 caf\xc3\xa9").str(),
              R"({"t\"k":"a\\b\n\u0001 café"})");
}

}  // namespace
}  // namespace hellod_bench
