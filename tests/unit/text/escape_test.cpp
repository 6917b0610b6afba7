#include "text/escape.hpp"

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

TEST(Escape, LineSeparatorsAndBidiControlsAreEscapedThoughWellFormed) {
    EXPECT_EQ(escaped("a\xe2\x80\xa8z"), "a\\xe2\\x80\\xa8z");  // U+2028 LINE SEPARATOR
    EXPECT_EQ(escaped("\xe2\x80\xa9"), "\\xe2\\x80\\xa9");      // U+2029 PARAGRAPH SEPARATOR
    EXPECT_EQ(escaped("\xe2\x80\xae"), "\\xe2\\x80\\xae");      // U+202E RIGHT-TO-LEFT OVERRIDE
    EXPECT_EQ(escaped("\xe2\x81\xa6"), "\\xe2\\x81\\xa6");      // U+2066 LEFT-TO-RIGHT ISOLATE
    EXPECT_EQ(escaped("\xe2\x80\x8f"), "\\xe2\\x80\\x8f");      // U+200F RIGHT-TO-LEFT MARK
    EXPECT_EQ(escaped("\xd8\x9c"), "\\xd8\\x9c");               // U+061C ARABIC LETTER MARK
    // Their neighbours are ordinary text.
    EXPECT_EQ(escaped("\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa"),
              "\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa");
}

TEST(Escape, EveryByteValueComesOutPrintable) {
    std::string all;
    for (int b = 0; b < 256; ++b)
        all += static_cast<char>(b);
    const std::string out = escaped(all);
    for (unsigned char ch : out)
        EXPECT_TRUE(ch >= 0x20 && ch < 0x7f) << int(ch);
}

TEST(Escape, OneLineEscapesOnlyControlBytes) {
    std::string out = "prefix ";
    append_one_line(out, std::string("a\nb\x1b[2J\t\x7f\x00 \"q\" \\ \xc3\xab \xff", 21));
    EXPECT_EQ(out, "prefix a\\nb\\x1b[2J\\t\\x7f\\x00 \"q\" \\ \xc3\xab \xff");
}

}  // namespace
}  // namespace hellod
