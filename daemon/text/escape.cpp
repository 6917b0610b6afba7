#include "text/escape.hpp"

#include <algorithm>
#include <cstdint>

#include "text/utf8.hpp"

namespace hellod {
namespace {

void append_hex(std::string& out, unsigned char byte) {
    static constexpr char digits[] = "0123456789abcdef";
    out += "\\x";
    out += digits[byte >> 4];
    out += digits[byte & 0xf];
}

// Code points that are well-formed but still act on whoever reads the log: U+2028 and U+2029
// end a line for some viewers (one event must stay one line), and the bidirectional controls
// reorder what is shown (CVE-2021-42574), so a name could make a line read as something else.
bool acts_on_display(std::uint32_t code_point) {
    return code_point == 0x061c || code_point == 0x200e || code_point == 0x200f ||
           (code_point >= 0x2028 && code_point <= 0x202e) ||
           (code_point >= 0x2066 && code_point <= 0x2069);
}

// Well-formed UTF-8 that is not a C1 control (U+0080..U+009F: some terminals obey them) nor one
// of the above.
std::size_t printable_utf8(std::string_view bytes) {
    const auto sequence = utf8_sequence(bytes);
    if (!sequence || sequence->code_point <= 0x9f || acts_on_display(sequence->code_point))
        return 0;
    return sequence->length;
}

// `quoting`: also escape backslash and double quote, so that a log parser can tell an escape
// from the client's own text; an error message for a person needs no such care.
void append_safe(std::string& out, std::string_view bytes, bool quoting) {
    out.reserve(out.size() + bytes.size());
    for (std::size_t i = 0; i < bytes.size();) {
        const auto byte = static_cast<unsigned char>(bytes[i]);
        if (byte >= 0x20 && byte < 0x7f) {
            if (quoting && (byte == '\\' || byte == '"')) out += '\\';
            out += static_cast<char>(byte);
            ++i;
        } else if (byte == '\t') {
            out += "\\t", ++i;
        } else if (byte == '\r') {
            out += "\\r", ++i;
        } else if (byte == '\n') {
            out += "\\n", ++i;
        } else if (const std::size_t n = byte >= 0x80 ? printable_utf8(bytes.substr(i)) : 0; n) {
            out.append(bytes.substr(i, n));
            i += n;
        } else {
            append_hex(out, byte);
            ++i;
        }
    }
}

}  // namespace

void append_escaped(std::string& out, std::string_view bytes) {
    append_safe(out, bytes, true);
}

std::string escaped(std::string_view bytes) {
    std::string out;
    append_escaped(out, bytes);
    return out;
}

void append_one_line(std::string& out, std::string_view text) {
    const auto control = [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f;
    };
    out.reserve(out.size() + text.size());
    auto from = text.begin();
    for (auto at = std::find_if(from, text.end(), control); at != text.end();
         at = std::find_if(from, text.end(), control)) {
        out.append(from, at);
        append_safe(out, std::string_view(&*at, 1), false);
        from = at + 1;
    }
    out.append(from, text.end());
}

std::string quoted_excerpt(std::string_view text, std::size_t max) {
    std::string out = "'";
    append_safe(out, text.substr(0, max), false);
    if (text.size() > max) out += "...";
    out += '\'';
    return out;
}

}  // namespace hellod
