#include "protocol/expectation.hpp"

#include <algorithm>

#include "protocol/fixed_lines.hpp"
#include "protocol/probe_marker.hpp"
#include "text/escape.hpp"

namespace hellod::protocol {
namespace {

std::string_view without_crlf(std::string_view line) {
    return line.substr(0, line.size() - crlf.size());
}

// ctime's fixed 24 characters: "Thu Sep 15 22:29:12 2016".
constexpr std::size_t ctime_length = 24;

}  // namespace

Expectation::Expectation(const Options& options) : options_(options) {
    // The marker, which keeps the session out of the access log at info and the traffic's
    // counts; where a line cannot hold it, an ordinary line, and an ordinary session.
    probe_line_ =
        probe_marker.size() <= options.max_line_bytes
            ? probe_marker
            : std::string_view("probe").substr(0, std::max<std::size_t>(1, options.max_line_bytes));
    if (probe_line_ == options.exit_command)
        probe_line_.front() = probe_line_.front() == 'p' ? 'q' : 'p';
}

bool Expectation::is_answer(std::string_view line) const {
    if (options_.protocol == Protocol::timestamp) {
        const std::string tail = "] " + probe_line_;
        return line.size() == 1 + ctime_length + tail.size() && line.starts_with('[') &&
               line.ends_with(tail);
    }
    std::string expected;
    options_.reply.render(probe_line_, expected);
    return line == expected;
}

std::string Expectation::expected_answer() const {
    if (options_.protocol == Protocol::timestamp)
        return quoted_excerpt("[<date and time>] " + probe_line_);  // the marker's SOHs escaped
    std::string expected;
    options_.reply.render(probe_line_, expected);
    return quoted_excerpt(expected);
}

std::optional<std::string> Expectation::exit_line() const {
    // An exit command longer than a line may be can never arrive (the settings warn of it).
    if (options_.exit_command.empty() || options_.exit_command.size() > options_.max_line_bytes)
        return std::nullopt;
    return options_.exit_command + std::string(crlf);
}

Expectation::Refusal Expectation::refusal(std::string_view line) {
    if (line == without_crlf(busy_line)) return Refusal::busy;
    if (line == without_crlf(shutdown_line)) return Refusal::shutting_down;
    return Refusal::none;
}

}  // namespace hellod::protocol
