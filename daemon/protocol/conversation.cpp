#include "protocol/conversation.hpp"

#include <string>

#include "log/log.hpp"
#include "protocol/fixed_lines.hpp"
#include "protocol/telnet_filter.hpp"
#include "text/escape.hpp"
#include "text/strings.hpp"

namespace hellod::protocol {
namespace {

// framing = raw: one read is one message, as the tutorials' clients send them; the newline a
// client like nc adds is not part of it.
Stream::Line read_chunk(Stream& stream, std::size_t limit) {
    Stream::Line chunk = stream.read_some(limit);
    if (chunk.status != Stream::Status::ok) return chunk;
    std::string_view text = chunk.text;
    if (text.ends_with('\n')) text.remove_suffix(1);
    if (text.ends_with('\r')) text.remove_suffix(1);
    return {Stream::Status::ok, text};
}

}  // namespace

SessionResult run_conversation(Stream& stream, const Options& options, std::string_view peer,
                               Answerer& answerer) {
    TelnetFilter telnet;
    stream.set_input_filter(&telnet);
    const bool raw = options.framing == Framing::raw;
    std::uint64_t lines = 0;
    std::string out;  // reused for every reply: no allocation per line once it has grown
    const auto send_line = [&](std::string_view text) {
        out.assign(text);
        out += crlf;
        return stream.write(out);
    };
    const auto farewell = [&]() -> SessionResult {
        if (!options.farewell.empty()) {
            if (auto s = send_line(options.farewell); s != Stream::Status::ok)
                return {EndReason::error, lines, stream.error_text()};
        }
        return {EndReason::exit, lines, {}};
    };

    // RFC 860: answered once the lines before the request are answered, i.e. before the
    // next read. telnet holds back all output until then.
    const auto answer_timing_marks = [&] {
        for (unsigned n = telnet.take_timing_marks(); n > 0; --n)
            stream.write(TelnetFilter::will_timing_mark);
    };

    if (!options.welcome.empty()) {
        if (auto s = send_line(options.welcome); s != Stream::Status::ok)
            return {EndReason::error, lines, stream.error_text()};
    }
    for (;;) {
        answer_timing_marks();
        const Stream::Line line = raw ? read_chunk(stream, options.max_line_bytes)
                                      : stream.read_line(options.max_line_bytes);
        Stream::Status written = Stream::Status::ok;
        switch (line.status) {
            case Stream::Status::ok: {
                ++lines;
                const std::string_view text = trim(line.text);
                HLOG(trace) << peer << " line \"" << escaped(line.text) << '"';
                if (text.empty()) continue;
                if (!options.exit_command.empty() && text == options.exit_command)
                    return farewell();
                out.clear();
                answerer.answer(text, out);
                out += crlf;
                written = stream.write(out);
                break;
            }
            case Stream::Status::too_long:
                ++lines;
                HLOG(debug) << peer << " line longer than " << options.max_line_bytes << " bytes";
                written = send_line("Error: line too long (limit " +
                                    std::to_string(options.max_line_bytes) + " bytes)");
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
                return {EndReason::error, lines, stream.error_text()};
        }
        if (written != Stream::Status::ok) return {EndReason::error, lines, stream.error_text()};
    }
}

}  // namespace hellod::protocol
