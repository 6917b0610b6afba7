#pragma once

#include <string>
#include <string_view>

#include "io/stream.hpp"
#include "protocol/session_result.hpp"

// protocol = greeting: the welcome, "Hello, %s!" per line, the farewell on the exit command.
namespace hellod {

// The reply template: literal text with at most one "%s" (the client's line), "%h" for the host
// name (set_host) and "%%" for a literal '%'. Parsed once when settings are read, so a session
// only appends two slices.
class ReplyTemplate {
  public:
    // Throws std::invalid_argument with a sentence fragment (e.g. "'%d' at byte 4 is not
    // allowed; use %s for the line and %% for a literal %") when the template is malformed.
    static ReplyTemplate parse(std::string_view text);

    ReplyTemplate();  // "Hello, %s!"

    // Fills every %h with `host` (empty until set).
    void set_host(std::string_view host);
    // Appends the reply for `line` to `out` (no line terminator).
    void render(std::string_view line, std::string& out) const;

    const std::string& source() const noexcept { return source_; }

    bool operator==(const ReplyTemplate&) const = default;

  private:
    std::string source_;  // as written, for --print-config
    std::string before_;  // text before %s, with %% already folded to % and %h filled in
    std::string after_;   // text after %s (or empty when there is no %s)
    // The same with a NUL (which no template may hold: line_safe) where each %h goes.
    std::string before_parsed_;
    std::string after_parsed_;
    bool has_slot_ = false;
};

// The welcome as sent: "%h" is the host name and "%%" a '%'; any other '%' is itself, as it was
// before %h existed, so that "100% uptime" stays a valid welcome.
std::string expand_welcome(std::string_view welcome, std::string_view host);

namespace protocol {

struct Options;

SessionResult run_greeting(Stream& stream, const Options& options, std::string_view peer = {});

}  // namespace protocol
}  // namespace hellod
