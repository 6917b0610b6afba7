#include "text/json_escape.hpp"

#include "text/utf8.hpp"

namespace hellod {
namespace {

void append_u_escape(std::string& out, unsigned int code) {
    static constexpr char digits[] = "0123456789abcdef";
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4)
        out += digits[(code >> shift) & 0xf];
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view bytes) {
    out.reserve(out.size() + bytes.size());
    for (std::size_t i = 0; i < bytes.size();) {
        const auto byte = static_cast<unsigned char>(bytes[i]);
        if (byte < 0x80) {
            switch (byte) {
                case '"':
                    out += "\\\"";
                    break;
                case '\\':
                    out += "\\\\";
                    break;
                case '\n':
                    out += "\\n";
                    break;
                case '\r':
                    out += "\\r";
                    break;
                case '\t':
                    out += "\\t";
                    break;
                default:
                    // DEL is legal raw JSON, but a terminal tailing the log would act on it.
                    if (byte < 0x20 || byte == 0x7f)
                        append_u_escape(out, byte);
                    else
                        out += static_cast<char>(byte);
            }
            ++i;
        } else if (const auto sequence = utf8_sequence(bytes.substr(i))) {
            // C1 controls are valid UTF-8 that some terminals obey; escaped, they decode the same.
            if (sequence->code_point <= 0x9f)
                append_u_escape(out, sequence->code_point);
            else
                out.append(bytes.substr(i, sequence->length));
            i += sequence->length;
        } else {
            out += "\\ufffd";  // one per byte, as the text log's \xHH is
            ++i;
        }
    }
}

std::string json_escaped(std::string_view bytes) {
    std::string out;
    append_json_escaped(out, bytes);
    return out;
}

}  // namespace hellod
