// The tests' JSON reader must be strict, or the log format tests would prove nothing.
#include "json_object.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hellod::testing {
namespace {

using namespace std::string_literals;

TEST(JsonObjectParser, ReadsAFlatObjectInOrder) {
    const auto object =
        parse_json_object(R"({"b":"x\"y\\z\/\n\t\u0041\u00e9\ud83d\ude00","a":-0.5e+3, "c" : 12})");
    ASSERT_TRUE(object.ok()) << object.error;
    EXPECT_EQ(object.keys(), (std::vector<std::string>{"b", "a", "c"}));
    EXPECT_EQ(object.find("b")->text, "x\"y\\z/\n\tA\xc3\xa9\xf0\x9f\x98\x80");
    EXPECT_TRUE(object.find("a")->is_number());
    EXPECT_EQ(object.find("a")->text, "-0.5e+3");
    EXPECT_EQ(object.find("c")->text, "12");
    EXPECT_TRUE(parse_json_object("{}").ok());
}

TEST(JsonObjectParser, RejectsWhatIsNotStrictJson) {
    for (const std::string& bad : {
             ""s,
             "{"s,
             R"({"a":"b"} x)"s,            // trailing garbage
             R"({"a":"b"}{})"s,            // two objects
             R"({"a":"b",})"s,             // trailing comma
             R"({a:"b"})"s,                // bare key
             R"({'a':"b"})"s,              // single quotes
             R"({"a":"\x41"})"s,           // not a JSON escape
             R"({"a":"\u12"})"s,           // short \u
             R"({"a":"\ud800"})"s,         // lone high surrogate
             R"({"a":"\udc00"})"s,         // lone low surrogate
             "{\"a\":\"\x01\"}"s,          // raw control byte
             "{\"a\":\"\n\"}"s,            // raw newline
             "{\"a\":\"\0\"}"s,            // raw NUL
             "{\"a\":\"\xff\"}"s,          // invalid UTF-8
             "{\"a\":\"\xc0\xaf\"}"s,      // overlong
             "{\"a\":\"\xed\xa0\x80\"}"s,  // encoded surrogate
             R"({"a":"b)"s,                // unterminated
             R"({"a":01})"s,               // leading zero
             R"({"a":1.})"s,               // no fraction digits
             R"({"a":.5})"s,
             R"({"a":+1})"s,
             R"({"a":1e})"s,
             R"({"a":true})"s,  // not a string or number
             R"({"a":null})"s,
             R"({"a":{}})"s,  // not flat
             R"({"a":[1]})"s,
             R"({"a":1,"a":2})"s,  // duplicate key
         }) {
        EXPECT_FALSE(parse_json_object(bad).ok()) << bad;
    }
}

}  // namespace
}  // namespace hellod::testing
