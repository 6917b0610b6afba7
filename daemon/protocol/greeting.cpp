#include "protocol/greeting.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include "escape.hpp"
#include "log.hpp"
#include "telnet_filter.hpp"

namespace hellod::protocol {
namespace {

// A failed write ends the session; this says why for the access log.
SessionResult write_failure(Stream& stream, Stream::Status status, std::uint64_t lines) {
    std::string detail = status == Stream::Status::timeout ? "write timed out"
                                                           : std::strerror(stream.error_number());
    return {EndReason::error, lines, std::move(detail)};
}

}  // namespace

std::string_view trim(std::string_view line) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = line.find_last_not_of(" \t");
    return line.substr(first, last - first + 1);
}

SessionResult run_greeting(Stream& stream, const Settings& settings, std::string_view peer) {
    TelnetFilter telnet;
    stream.set_input_filter(&telnet);
    std::uint64_t lines = 0;
    std::string out;  // reused for every reply: no allocation per line once it has grown
    const auto send_line = [&](std::string_view text) {
        out.assign(text);
        out += crlf;
        return stream.write(out);
    };
    const auto farewell = [&]() -> SessionResult {
        if (!settings.farewell.empty()) {
            if (auto s = send_line(settings.farewell); s != Stream::Status::ok)
                return write_failure(stream, s, lines);
        }
        return {EndReason::exit, lines, {}};
    };

    // RFC 860: answered once the lines before the request are answered, i.e. before the
    // next read. telnet holds back all output until then.
    const auto answer_timing_marks = [&] {
        for (unsigned n = telnet.take_timing_marks(); n > 0; --n)
            stream.write(TelnetFilter::will_timing_mark);
    };

    if (!settings.welcome.empty()) {
        if (auto s = send_line(settings.welcome); s != Stream::Status::ok)
            return write_failure(stream, s, lines);
    }
    for (;;) {
        answer_timing_marks();
        const Stream::Line line = stream.read_line(settings.max_line_bytes);
        Stream::Status written = Stream::Status::ok;
        switch (line.status) {
            case Stream::Status::ok: {
                ++lines;
                const std::string_view text = trim(line.text);
                HLOG(trace) << peer << " line \"" << escaped(line.text) << '"';
                if (text.empty()) continue;
                if (!settings.exit_command.empty() && text == settings.exit_command)
                    return farewell();
                out.clear();
                settings.reply.render(text, out);
                out += crlf;
                written = stream.write(out);
                break;
            }
            case Stream::Status::too_long:
                ++lines;
                HLOG(debug) << peer << " line longer than " << settings.max_line_bytes << " bytes";
                written = send_line("Error: line too long (limit " +
                                    std::to_string(settings.max_line_bytes) + " bytes)");
                break;
            case Stream::Status::interrupted:  // telnet IAC IP / IAC BRK: as the exit command
                HLOG(debug) << peer << " sent telnet interrupt";
                answer_timing_marks();
                return farewell();
            case Stream::Status::eof:
                return {EndReason::eof, lines, {}};
            case Stream::Status::timeout:
                stream.write(idle_line);
                return {EndReason::idle, lines, {}};
            case Stream::Status::cancelled:
                stream.write(shutdown_line);
                return {EndReason::shutdown, lines, {}};
            case Stream::Status::error:
                return {EndReason::error, lines, std::strerror(stream.error_number())};
        }
        if (written != Stream::Status::ok) return write_failure(stream, written, lines);
    }
}

}  // namespace hellod::protocol
