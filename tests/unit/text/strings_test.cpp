#include "text/strings.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace hellod {
namespace {

using std::chrono::milliseconds;

TEST(Strings, Trim) {
    EXPECT_EQ(trim("  a b \t"), "a b");
    EXPECT_EQ(trim(" \t "), "");
    EXPECT_EQ(trim(""), "");
    EXPECT_EQ(trim_left(" \ta "), "a ");
    EXPECT_EQ(trim_right(" a\t "), " a");
    EXPECT_EQ(trim("\r x \n"), "\r x \n");  // only spaces and tabs
}

TEST(Strings, EqualsIgnoringCaseIsAsciiOnly) {
    EXPECT_TRUE(equals_ignoring_case("INFO", "info"));
    EXPECT_TRUE(equals_ignoring_case("Json", "jSON"));
    EXPECT_FALSE(equals_ignoring_case("info", "inf"));
    EXPECT_FALSE(equals_ignoring_case("\xc3\x89", "\xc3\xa9"));  // É and é: bytes, not letters
    EXPECT_EQ(ascii_lower('Z'), 'z');
    EXPECT_EQ(ascii_lower('['), '[');
}

TEST(Strings, SecondsTextIsExactAndShort) {
    EXPECT_EQ(seconds_text(milliseconds(0)), "0");
    EXPECT_EQ(seconds_text(milliseconds(300'000)), "300");
    EXPECT_EQ(seconds_text(milliseconds(500)), "0.5");
    EXPECT_EQ(seconds_text(milliseconds(1)), "0.001");
    EXPECT_EQ(seconds_text(milliseconds(1'050)), "1.05");
    EXPECT_EQ(seconds_text(milliseconds(86'400'001)), "86400.001");
}

TEST(Strings, ErrnoText) {
    EXPECT_EQ(errno_text(ENOENT), "No such file or directory");
}

}  // namespace
}  // namespace hellod
