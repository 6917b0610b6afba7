#include "json_line.hpp"

#include <cmath>
#include <cstdio>

#include "text/json_escape.hpp"

namespace hellod_bench {

namespace {

// The daemon's escaper: a server's error text or a target's name may hold any bytes, and the
// line must stay valid JSON (invalid UTF-8 becomes \ufffd).
void append_escaped(std::string& out, std::string_view s) {
    out += '"';
    hellod::append_json_escaped(out, s);
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
