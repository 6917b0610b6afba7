#include "json_line.hpp"

#include <cmath>
#include <cstdio>

namespace hellod_bench {

namespace {

void append_escaped(std::string& out, std::string_view s) {
    out += '"';
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", u);
            out += buf;
        } else {
            out += c;
        }
    }
    out += '"';
}

}  // namespace

void JsonLine::key(std::string_view k) {
    if (body_.size() > 1) body_ += ',';
    append_escaped(body_, k);
    body_ += ':';
}

JsonLine& JsonLine::add(std::string_view k, std::string_view value) {
    key(k);
    append_escaped(body_, value);
    return *this;
}

JsonLine& JsonLine::add(std::string_view k, std::uint64_t value) {
    key(k);
    body_ += std::to_string(value);
    return *this;
}

JsonLine& JsonLine::add(std::string_view k, std::int64_t value) {
    key(k);
    body_ += std::to_string(value);
    return *this;
}

JsonLine& JsonLine::add(std::string_view k, double value, int decimals) {
    key(k);
    if (!std::isfinite(value)) {
        body_ += "null";
        return *this;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    body_ += buf;
    return *this;
}

JsonLine& JsonLine::add_raw(std::string_view k, std::string_view json) {
    key(k);
    body_ += json;
    return *this;
}

}  // namespace hellod_bench
