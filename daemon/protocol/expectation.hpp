#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/options.hpp"
#include "protocol/probe_marker.hpp"

namespace hellod::protocol {

// What a correct answer looks like: the one short session a server running `options` must
// hold, worked out by the protocol that answers, for a client that checks a server (--probe).
// greeting and timestamp: the welcome, an answer to probe_line(), the farewell after the exit
// command, the close. echo: echo_payload back, the close.
class Expectation {
  public:
    explicit Expectation(const Options& options);

    Protocol protocol() const noexcept { return options_.protocol; }

    // Line protocols.
    // As the server sends it, %h filled in; empty: none.
    std::string welcome() const { return expand_welcome(options_.welcome, options_.host.value); }
    // A line to send: probe_marker, or where max-line-bytes is shorter, as much of "probe" as
    // a line may hold; never the exit command.
    const std::string& probe_line() const noexcept { return probe_line_; }
    bool is_answer(std::string_view line) const;
    // The answer as a person should expect it, quoted and escaped: 'Hello, \x01hellod-probe\x01!',
    // '[<date and time>] \x01hellod-probe\x01'.
    std::string expected_answer() const;
    // The line that ends the session, or nullopt when none can (no exit command, or one longer
    // than a line may be): then only the end of input does.
    std::optional<std::string> exit_line() const;
    const std::string& farewell() const noexcept { return options_.farewell; }  // empty: none

    // echo: the bytes to send, which mark the session as a probe (probe_marker.hpp).
    static constexpr std::string_view echo_payload = probe_echo_payload;

    // A fixed line a server sends instead of a session (without its CRLF).
    enum class Refusal { none, busy, shutting_down };
    static Refusal refusal(std::string_view line);

  private:
    const Options& options_;
    std::string probe_line_;
};

}  // namespace hellod::protocol
