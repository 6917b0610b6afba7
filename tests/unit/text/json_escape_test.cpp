#include "text/json_escape.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "json_object.hpp"

namespace hellod {
namespace {

using namespace std::string_literals;

TEST(JsonEscape, PlainTextPasses) {
    EXPECT_EQ(json_escaped(""), "");
    EXPECT_EQ(json_escaped("Hello, World! ~{}[]/'"), "Hello, World! ~{}[]/'");
}

TEST(JsonEscape, QuoteAndBackslash) {
    EXPECT_EQ(json_escaped("a\"b\\c"), "a\\\"b\\\\c");
    // Text already escaped for the log keeps its backslashes, doubled.
    EXPECT_EQ(json_escaped("line \"a\\x00b\""), "line \\\"a\\\\x00b\\\"");
}

TEST(JsonEscape, EveryControlByte) {
    for (int byte = 0; byte < 0x20; ++byte) {
        std::string expected;
        if (byte == '\n') {
            expected = "\\n";
        } else if (byte == '\r') {
            expected = "\\r";
        } else if (byte == '\t') {
            expected = "\\t";
        } else {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\u%04x", byte);
            expected = buffer;
        }
        EXPECT_EQ(json_escaped(std::string(1, static_cast<char>(byte))), expected) << byte;
    }
    EXPECT_EQ(json_escaped("a\0b"s), "a\\u0000b");
    EXPECT_EQ(json_escaped("\x1b[31m"), "\\u001b[31m");
}

TEST(JsonEscape, Del) {
    EXPECT_EQ(json_escaped("\x7f"), "\\u007f");
}

TEST(JsonEscape, WellFormedUtf8Passes) {
    EXPECT_EQ(json_escaped("Zo\xc3\xab"), "Zo\xc3\xab");              // 2 bytes
    EXPECT_EQ(json_escaped("\xe2\x82\xac"), "\xe2\x82\xac");          // 3 bytes: euro
    EXPECT_EQ(json_escaped("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");  // 4 bytes: emoji
    EXPECT_EQ(json_escaped("\xc2\xa0\xdf\xbf"), "\xc2\xa0\xdf\xbf");  // U+00A0, U+07FF
    EXPECT_EQ(json_escaped("\xef\xbf\xbf\xee\x80\x80"), "\xef\xbf\xbf\xee\x80\x80");
    EXPECT_EQ(json_escaped("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");  // U+10FFFF
}

TEST(JsonEscape, C1ControlsAreEscapedNotReplaced) {
    EXPECT_EQ(json_escaped("\xc2\x80\xc2\x9b\xc2\x9f"), "\\u0080\\u009b\\u009f");
}

TEST(JsonEscape, EveryByteNotInAWellFormedSequenceIsReplaced) {
    EXPECT_EQ(json_escaped("\xc0\xaf"), "\\ufffd\\ufffd");             // overlong '/'
    EXPECT_EQ(json_escaped("\xe0\x80\xaf"), "\\ufffd\\ufffd\\ufffd");  // overlong, 3 bytes
    EXPECT_EQ(json_escaped("\xf0\x80\x80\xaf"), "\\ufffd\\ufffd\\ufffd\\ufffd");
    EXPECT_EQ(json_escaped("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");             // a surrogate
    EXPECT_EQ(json_escaped("\xed\xbf\xbf"), "\\ufffd\\ufffd\\ufffd");             // another
    EXPECT_EQ(json_escaped("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd");  // > U+10FFFF
    EXPECT_EQ(json_escaped("\xe2\x82"), "\\ufffd\\ufffd");    // truncated at the end
    EXPECT_EQ(json_escaped("\xe2\x82x"), "\\ufffd\\ufffdx");  // truncated mid-text
    EXPECT_EQ(json_escaped("\x80"), "\\ufffd");               // stray continuation
    EXPECT_EQ(json_escaped("a\xbf\xbf b"), "a\\ufffd\\ufffd b");
    EXPECT_EQ(json_escaped("\xc3\x28"), "\\ufffd(");  // lead, then ASCII
    EXPECT_EQ(json_escaped("\xf8\x88\x80\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd");
    EXPECT_EQ(json_escaped("\xfe\xff"), "\\ufffd\\ufffd");
    // A good sequence right after a bad byte survives.
    EXPECT_EQ(json_escaped("\xc3\xc3\xab"), "\\ufffd\xc3\xab");
}

TEST(JsonEscape, AppendsToWhatIsThere) {
    std::string out = "x=";
    append_json_escaped(out, "\"");
    EXPECT_EQ(out, "x=\\\"");
}

// Every byte value, and every pair of byte values, makes a string that a strict parser takes.
TEST(JsonEscape, AnyBytesMakeAValidJsonString) {
    std::string all;
    for (int b = 0; b < 256; ++b)
        all += static_cast<char>(b);
    const auto parsed = testing::parse_json_object("{\"v\":\"" + json_escaped(all) + "\"}");
    ASSERT_TRUE(parsed.ok()) << parsed.error;
    for (int a = 0x80; a < 256; ++a) {
        for (int b = 0; b < 256; ++b) {
            const std::string pair{static_cast<char>(a), static_cast<char>(b)};
            const auto object =
                testing::parse_json_object("{\"v\":\"" + json_escaped(pair) + "\"}");
            ASSERT_TRUE(object.ok()) << a << " " << b << ": " << object.error;
        }
    }
}

}  // namespace
}  // namespace hellod
