#include "config/config_file.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hellod {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

Entries pairs(std::string_view text) {
    Entries out;
    for (const auto& entry : parse_config_text(text))
        out.emplace_back(entry.key, entry.value);
    return out;
}

// The error parse_config_text throws for `text`; a failure if it accepts it.
ConfigSyntaxError syntax_error(std::string_view text) {
    try {
        parse_config_text(text);
    } catch (const ConfigSyntaxError& e) {
        EXPECT_EQ(std::string_view(e.what()).find('\n'), std::string_view::npos) << e.what();
        return e;
    }
    ADD_FAILURE() << "accepted: " << text;
    return ConfigSyntaxError(0, "");
}

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

TEST(ConfigFile, KeyValueLines) {
    const auto entries = parse_config_text("listen = 127.0.0.1:1\n\n  max-connections=5  \n");
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].key, "listen");
    EXPECT_EQ(entries[0].value, "127.0.0.1:1");
    EXPECT_EQ(entries[0].line, 1);
    EXPECT_EQ(entries[1].key, "max-connections");
    EXPECT_EQ(entries[1].value, "5");
    EXPECT_EQ(entries[1].line, 3);
}

TEST(ConfigFile, EmptyTextHasNoEntries) {
    EXPECT_TRUE(parse_config_text("").empty());
    EXPECT_TRUE(parse_config_text("\n\n  \t\n").empty());
}

TEST(ConfigFile, CommentLinesAreIgnored) {
    EXPECT_EQ(pairs("# a = b\n  ; c = d\n\t# e\nf = g"), (Entries{{"f", "g"}}));
}

TEST(ConfigFile, TrailingCommentNeedsABlankBeforeIt) {
    EXPECT_EQ(pairs("reply = Item#%s   # numbered\n"), (Entries{{"reply", "Item#%s"}}));
    EXPECT_EQ(pairs("welcome = hi\t#tab comment"), (Entries{{"welcome", "hi"}}));
    EXPECT_EQ(pairs("welcome = # nothing"), (Entries{{"welcome", ""}}));
    EXPECT_EQ(pairs("welcome =#nothing"), (Entries{{"welcome", ""}}));
    EXPECT_EQ(pairs("welcome = a;b"), (Entries{{"welcome", "a;b"}}));
}

TEST(ConfigFile, EmptyValue) {
    EXPECT_EQ(pairs("welcome =\nfarewell = \n"), (Entries{{"welcome", ""}, {"farewell", ""}}));
}

TEST(ConfigFile, ValueKeepsInnerSpacesAndEquals) {
    EXPECT_EQ(pairs("reply = a  =  b"), (Entries{{"reply", "a  =  b"}}));
    EXPECT_EQ(pairs("welcome = say \"hi\""), (Entries{{"welcome", "say \"hi\""}}));
}

TEST(ConfigFile, QuotedValues) {
    EXPECT_EQ(pairs("welcome = \"  # not a comment \"  # a comment"),
              (Entries{{"welcome", "  # not a comment "}}));
    EXPECT_EQ(pairs(R"(welcome = "a\"b\\c\td")"), (Entries{{"welcome", "a\"b\\c\td"}}));
    EXPECT_EQ(pairs("welcome = \"\""), (Entries{{"welcome", ""}}));
    EXPECT_EQ(pairs("welcome = \"x\";c"), (Entries{{"welcome", "x"}}));
}

TEST(ConfigFile, WindowsLineEndingsAndByteOrderMark) {
    EXPECT_EQ(pairs("\xEF\xBB\xBFlisten = a:1\r\nwelcome = hi\r\n"),
              (Entries{{"listen", "a:1"}, {"welcome", "hi"}}));
}

TEST(ConfigFile, LineWithoutEquals) {
    const auto e = syntax_error("# ok\nlisten 127.0.0.1:1\n");
    EXPECT_EQ(e.line(), 2);
    EXPECT_TRUE(std::string_view(e.what()).starts_with("line 2: ")) << e.what();
    EXPECT_TRUE(contains(e.detail(), "no '='")) << e.what();
    EXPECT_TRUE(contains(e.detail(), "'listen 127.0.0.1:1'")) << e.what();
}

TEST(ConfigFile, EmptyKey) {
    const auto e = syntax_error("a = b\n = 5");
    EXPECT_EQ(e.line(), 2);
    EXPECT_TRUE(contains(e.what(), "line 2: no setting name")) << e.what();
}

TEST(ConfigFile, UnterminatedQuote) {
    const auto e = syntax_error("\n\nwelcome = \"hi\n\"");
    EXPECT_EQ(e.line(), 3);
    EXPECT_TRUE(contains(e.what(), "unterminated quote")) << e.what();
    EXPECT_TRUE(contains(syntax_error("welcome = \"hi\\").what(), "unterminated quote"));
}

TEST(ConfigFile, TextAfterClosingQuote) {
    const auto e = syntax_error("welcome = \"hi\" there");
    EXPECT_EQ(e.line(), 1);
    EXPECT_TRUE(contains(e.what(), "'there' after the closing quote")) << e.what();
}

TEST(ConfigFile, UnknownEscape) {
    const auto e = syntax_error(R"(welcome = "a\nb")");
    EXPECT_TRUE(contains(e.what(), "line 1: unknown escape '\\n'")) << e.what();
}

TEST(ConfigFile, SectionsAreNotUsed) {
    const auto e = syntax_error("a = b\n[server]\n");
    EXPECT_EQ(e.line(), 2);
    EXPECT_TRUE(contains(e.what(), "'[server]'")) << e.what();
    EXPECT_TRUE(contains(e.what(), "sections are not used")) << e.what();
}

TEST(ConfigFile, ErrorShowsControlBytesEscaped) {
    const auto e = syntax_error(std::string_view("bad\x01line", 8));
    EXPECT_TRUE(contains(e.what(), "'bad\\x01line'")) << e.what();
}

TEST(ConfigFile, SyntaxErrorIsAnInvalidArgument) {
    EXPECT_THROW(parse_config_text("oops"), std::invalid_argument);
}

TEST(ConfigFile, QuoteOnlyWhenNeeded) {
    EXPECT_EQ(quote_config_value("Hello, %s!"), "Hello, %s!");
    EXPECT_EQ(quote_config_value(""), "");
    EXPECT_EQ(quote_config_value("[::1]:9999"), "[::1]:9999");
    EXPECT_EQ(quote_config_value(" hi"), "\" hi\"");
    EXPECT_EQ(quote_config_value("hi\t"), "\"hi\\t\"");
    EXPECT_EQ(quote_config_value("a#b"), "\"a#b\"");
    EXPECT_EQ(quote_config_value("a;b"), "\"a;b\"");
    EXPECT_EQ(quote_config_value("say \"x\""), R"("say \"x\"")");
    EXPECT_EQ(quote_config_value("C:\\"), R"("C:\\")");
}

TEST(ConfigFile, QuotedValuesReadBackUnchanged) {
    const std::vector<std::string> values{
        "",
        "plain",
        "  leading",
        "trailing  ",
        "\tboth\t",
        "# hash",
        "a # b",
        "a;b",
        ";",
        "\"",
        "\\",
        "\\t",
        "=",
        "a = b",
        "100%% %s",
        "\"quoted\"",
        "ends with \\",
        "Grüße",
        std::string("nul\0byte", 8),
    };
    for (const auto& value : values) {
        const auto text = "welcome = " + quote_config_value(value) + "  # comment\n";
        const auto entries = parse_config_text(text);
        ASSERT_EQ(entries.size(), 1u) << text;
        EXPECT_EQ(entries[0].value, value) << text;
    }
}

TEST(ConfigFile, QuoteRejectsLineBreaks) {
    EXPECT_THROW(quote_config_value("a\nb"), std::invalid_argument);
    EXPECT_THROW(quote_config_value("a\r"), std::invalid_argument);
}

}  // namespace
}  // namespace hellod
