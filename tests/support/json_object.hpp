#pragma once

// A strict parser for the flat JSON objects of the json log format: string and number values
// only, nothing before the '{' or after the '}' but JSON whitespace. Written for the tests so
// that they check the log against RFC 8259 itself, not against the daemon's own escaping.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "utf8_decode.hpp"

namespace hellod::testing {

struct JsonValue {
    enum class Type { string, number };
    Type type = Type::string;
    std::string text;  // a string decoded to UTF-8; a number as written

    bool is_string() const { return type == Type::string; }
    bool is_number() const { return type == Type::number; }
};

struct JsonObject {
    std::vector<std::pair<std::string, JsonValue>> members;  // in the order written
    std::string error;                                       // empty when the text parsed

    bool ok() const { return error.empty(); }
    std::vector<std::string> keys() const {
        std::vector<std::string> names;
        for (const auto& [key, value] : members)
            names.push_back(key);
        return names;
    }
    const JsonValue* find(std::string_view key) const {
        for (const auto& [name, value] : members) {
            if (name == key) return &value;
        }
        return nullptr;
    }
};

namespace json_detail {

class Parser {
  public:
    explicit Parser(std::string_view text) : text_(text) {}

    JsonObject object() {
        JsonObject result;
        try {
            skip_blanks();
            expect('{');
            skip_blanks();
            if (!take('}')) {
                do {
                    skip_blanks();
                    std::string key = string();
                    for (const auto& [name, value] : result.members) {
                        if (name == key) fail("key \"" + key + "\" appears twice");
                    }
                    skip_blanks();
                    expect(':');
                    skip_blanks();
                    result.members.emplace_back(std::move(key), value());
                    skip_blanks();
                } while (take(','));
                expect('}');
            }
            skip_blanks();
            if (pos_ != text_.size()) fail("trailing bytes after the object");
        } catch (const Error& e) {
            result.members.clear();
            result.error = e.what + " at byte " + std::to_string(e.at);
        }
        return result;
    }

  private:
    struct Error {
        std::string what;
        std::size_t at;
    };

    [[noreturn]] void fail(const std::string& what) const { throw Error{what, pos_}; }

    bool at_end() const { return pos_ >= text_.size(); }
    unsigned char peek() const { return static_cast<unsigned char>(text_[pos_]); }

    bool take(char c) {
        if (at_end() || text_[pos_] != c) return false;
        ++pos_;
        return true;
    }

    void expect(char c) {
        if (!take(c)) fail(std::string("expected '") + c + "'");
    }

    void skip_blanks() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
            ++pos_;
    }

    JsonValue value() {
        if (at_end()) fail("expected a value");
        if (peek() == '"') return {JsonValue::Type::string, string()};
        if (peek() == '-' || (peek() >= '0' && peek() <= '9'))
            return {JsonValue::Type::number, number()};
        fail("only string and number values are expected");
    }

    bool digits() {
        const std::size_t start = pos_;
        while (!at_end() && peek() >= '0' && peek() <= '9')
            ++pos_;
        return pos_ > start;
    }

    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    std::string number() {
        const std::size_t start = pos_;
        take('-');
        if (take('0')) {
            if (!at_end() && peek() >= '0' && peek() <= '9') fail("leading zero in a number");
        } else if (!digits()) {
            fail("bad number");
        }
        if (take('.') && !digits()) fail("no digits after the decimal point");
        if (take('e') || take('E')) {
            if (!take('+')) take('-');
            if (!digits()) fail("no digits in the exponent");
        }
        return std::string(text_.substr(start, pos_ - start));
    }

    std::uint32_t hex4() {
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i) {
            if (at_end()) fail("short \\u escape");
            const unsigned char c = peek();
            value <<= 4;
            if (c >= '0' && c <= '9') {
                value |= c - '0';
            } else if (c >= 'a' && c <= 'f') {
                value |= c - 'a' + 10;
            } else if (c >= 'A' && c <= 'F') {
                value |= c - 'A' + 10;
            } else {
                fail("bad hex digit in a \\u escape");
            }
            ++pos_;
        }
        return value;
    }

    static void append_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        }
    }

    std::uint32_t escape() {
        if (at_end()) fail("unterminated escape");
        const char c = text_[pos_++];
        switch (c) {
            case '"':
            case '\\':
            case '/':
                return static_cast<unsigned char>(c);
            case 'b':
                return '\b';
            case 'f':
                return '\f';
            case 'n':
                return '\n';
            case 'r':
                return '\r';
            case 't':
                return '\t';
            case 'u':
                break;
            default:
                --pos_;
                fail(std::string("bad escape '\\") + c + "'");
        }
        const std::uint32_t unit = hex4();
        if (unit >= 0xdc00 && unit <= 0xdfff) fail("lone low surrogate");
        if (unit < 0xd800 || unit > 0xdbff) return unit;
        if (!take('\\') || !take('u')) fail("high surrogate without its low half");
        const std::uint32_t low = hex4();
        if (low < 0xdc00 || low > 0xdfff) fail("high surrogate without its low half");
        return 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
    }

    // The raw UTF-8 sequence at pos_ (RFC 3629), appended to `out`.
    void raw_utf8(std::string& out) {
        const auto sequence = decode_utf8(text_.substr(pos_));
        if (!sequence) fail("invalid UTF-8");
        out.append(text_.substr(pos_, sequence->length));
        pos_ += sequence->length;
    }

    std::string string() {
        expect('"');
        std::string out;
        for (;;) {
            if (at_end()) fail("unterminated string");
            const unsigned char c = peek();
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (c < 0x20) fail("raw control byte in a string");
            if (c == '\\') {
                ++pos_;
                append_utf8(out, escape());
            } else if (c >= 0x80) {
                raw_utf8(out);
            } else {
                out += static_cast<char>(c);
                ++pos_;
            }
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

}  // namespace json_detail

// Parses `text` as one flat object; on failure `error` says what and where.
inline JsonObject parse_json_object(std::string_view text) {
    return json_detail::Parser(text).object();
}

}  // namespace hellod::testing
