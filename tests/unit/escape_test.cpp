#include "escape.hpp"

#include <gtest/gtest.h>

namespace hellod {
namespace {

TEST(Escape, PrintableAsciiPassesAndQuotesAndBackslashesAreEscaped) {
    EXPECT_EQ(escaped("Hello, World!"), "Hello, World!");
    EXPECT_EQ(escaped("a\"b\\c"), "a\\\"b\\\\c");
}

TEST(Escape, ControlBytesNeverReachTheLog) {
    EXPECT_EQ(escaped("\t\r\n"), "\\t\\r\\n");
    EXPECT_EQ(escaped(std::string("\x1b[31mred\x00\x7f", 10)), "\\x1b[31mred\\x00\\x7f");
}

TEST(Escape, WellFormedUtf8PassesButC1ControlsAndBadBytesDoNot) {
    EXPECT_EQ(escaped("Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80"),
              "Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80");
    EXPECT_EQ(escaped("\xc2\x9b"), "\\xc2\\x9b");           // U+009B CSI, a C1 control
    EXPECT_EQ(escaped("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
    EXPECT_EQ(escaped("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
    EXPECT_EQ(escaped("\xe2\x82"), "\\xe2\\x82");           // truncated
    EXPECT_EQ(escaped("\xff"), "\\xff");
}

TEST(Escape, EveryByteValueComesOutPrintable) {
    std::string all;
    for (int b = 0; b < 256; ++b)
        all += static_cast<char>(b);
    const std::string out = escaped(all);
    for (unsigned char ch : out)
        EXPECT_TRUE(ch >= 0x20 && ch < 0x7f) << int(ch);
}

}  // namespace
}  // namespace hellod
