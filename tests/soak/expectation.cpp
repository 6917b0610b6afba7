#include "expectation.hpp"

#include <algorithm>
#include <cstdio>

namespace hellod_soak {

namespace {

using State = Verdict::State;

Verdict mismatch(std::string detail) {
    Verdict v;
    v.state = State::mismatch;
    v.detail = std::move(detail);
    return v;
}

std::string differ(std::size_t offset, std::string_view expected, std::string_view got) {
    return "at byte " + std::to_string(offset) + " expected \"" + escape_bytes(expected) +
           "\" but got \"" + escape_bytes(got) + "\"";
}

}  // namespace

std::string escape_bytes(std::string_view bytes, std::size_t max) {
    std::string out;
    for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c == '\r') {
            out += "\\r";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\\' || c == '"') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    if (bytes.size() > max) out += "...";
    return out;
}

Verdict check_output(std::string_view received, const std::vector<std::string>& welcomes,
                     std::string_view body, bool shutdown_allowed, bool closed) {
    // The welcome: the one the received bytes agree with.
    std::size_t which = welcomes.size();
    bool whole = false;
    for (std::size_t i = 0; i < welcomes.size(); ++i) {
        const std::string_view w = welcomes[i];
        if (received.size() >= w.size() && received.starts_with(w)) {
            which = i;
            whole = true;
            break;
        }
        if (received.size() < w.size() && w.starts_with(received)) which = i;
    }
    if (which == welcomes.size())
        return mismatch("no welcome: " + differ(0, welcomes.front(), received));
    if (!whole) {
        if (closed)
            return mismatch("closed after " + std::to_string(received.size()) +
                            " bytes of the welcome (\"" + escape_bytes(received) + "\")");
        return {};
    }

    const std::size_t offset = welcomes[which].size();
    const std::string_view rest = received.substr(offset);
    Verdict v;
    v.welcome = which;
    v.welcomed = true;
    const auto diverged = static_cast<std::size_t>(
        std::mismatch(
            rest.begin(),
            rest.begin() + static_cast<std::ptrdiff_t>(std::min(rest.size(), body.size())),
            body.begin())
            .first -
        rest.begin());
    if (diverged == rest.size()) {
        if (!closed) return v;
        if (rest.size() == body.size()) {
            v.state = State::complete;
            return v;
        }
        return mismatch("closed after " + std::to_string(received.size()) + " bytes; next due: \"" +
                        escape_bytes(body.substr(rest.size())) + "\"");
    }
    if (shutdown_allowed) {
        // The shutdown line may start at any line boundary of the body at or before the point
        // where the bytes part ways.
        const std::size_t newline =
            diverged == 0 ? std::string_view::npos : body.rfind('\n', diverged - 1);
        const std::size_t boundary = newline == std::string_view::npos ? 0 : newline + 1;
        const std::string_view tail = rest.substr(boundary);
        if (kShutdownLine.starts_with(tail)) {
            v.shutting_down = true;
            if (!closed) return v;
            if (tail.size() == kShutdownLine.size()) {
                v.state = State::complete;
                return v;
            }
            return mismatch("closed inside the shutdown line: \"" + escape_bytes(tail) + "\"");
        }
        if (tail.starts_with(kShutdownLine))
            return mismatch("bytes after the shutdown line: \"" +
                            escape_bytes(tail.substr(kShutdownLine.size())) + "\"");
    }
    return mismatch(differ(offset + diverged, body.substr(diverged), rest.substr(diverged)));
}

}  // namespace hellod_soak
