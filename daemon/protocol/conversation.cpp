#include "protocol/conversation.hpp"

#include <string>

#include "log/log.hpp"
#include "protocol/fixed_lines.hpp"
#include "protocol/probe_marker.hpp"
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

// One conversation's state; run() is the loop.
class Conversation {
  public:
    Conversation(Stream& stream, const Options& options, std::string_view peer, Answerer& answerer)
        : stream_(stream), options_(options), peer_(peer), answerer_(answerer) {
        stream_.set_input_filter(&telnet_);
    }
    Conversation(const Conversation&) = delete;
    Conversation& operator=(const Conversation&) = delete;
    ~Conversation() { stream_.set_input_filter(nullptr); }  // the filter goes with it

    SessionResult run() {
        if (!options_.welcome.empty() &&
            send_line(expand_welcome(options_.welcome, options_.host.value)) != Stream::Status::ok)
            return failed();
        const bool raw = options_.framing == Framing::raw;
        for (;;) {
            answer_timing_marks();
            const Stream::Line line = raw ? read_chunk(stream_, options_.max_line_bytes)
                                          : stream_.read_line(options_.max_line_bytes);
            if (take(line)) {
                end_.lines_too_long = too_long_;
                end_.probe = probe_;
                return std::move(end_);
            }
        }
    }

  private:
    // What one read brought; true when the session ends with it, end_ saying how. (A flag rather
    // than an optional result: this runs once a line.)
    bool take(const Stream::Line& line) {
        switch (line.status) {
            case Stream::Status::ok: {
                ++lines_;
                HLOG(trace) << peer_ << " line \"" << escaped(line.text) << '"';
                const std::string_view text = trim(line.text);
                note_probe(text);
                return answer(text);
            }
            case Stream::Status::too_long:
                ++lines_;
                ++too_long_;
                probe_ = false;
                HLOG(debug) << peer_ << " line longer than " << options_.max_line_bytes << " bytes";
                if (send_line("Error: line too long (limit " +
                              std::to_string(options_.max_line_bytes) + " bytes)") !=
                    Stream::Status::ok)
                    return end(failed());
                return false;
            case Stream::Status::interrupted:  // telnet IAC IP / IAC BRK: as the exit command
                HLOG(debug) << peer_ << " sent telnet interrupt";
                answer_timing_marks();
                return end(farewell());
            case Stream::Status::eof:
                return end({EndReason::eof, lines_, {}});
            case Stream::Status::timeout:
                stream_.write(idle_line);
                return end({EndReason::idle, lines_, {}});
            case Stream::Status::cancelled:
                stream_.write(shutdown_line);
                return end({EndReason::shutdown, lines_, {}});
            case Stream::Status::error:
                break;
        }
        return end(failed());
    }

    bool answer(std::string_view text) {
        if (text.empty()) return false;
        if (!options_.exit_command.empty() && text == options_.exit_command) return end(farewell());
        out_.clear();
        answerer_.answer(text, out_);
        out_ += crlf;
        if (stream_.write(out_) != Stream::Status::ok) return end(failed());
        return false;
    }

    // A probe session: the marker first, then nothing but the exit command, so that the marker
    // cannot hide a real session's lines from the access log at info.
    void note_probe(std::string_view text) {
        if (lines_ == 1)
            probe_ = text == probe_marker;
        else if (probe_ && (options_.exit_command.empty() || text != options_.exit_command))
            probe_ = false;
    }

    bool end(SessionResult result) {
        end_ = std::move(result);
        return true;
    }

    Stream::Status send_line(std::string_view text) {
        out_.assign(text);
        out_ += crlf;
        return stream_.write(out_);
    }

    SessionResult farewell() {
        if (!options_.farewell.empty() && send_line(options_.farewell) != Stream::Status::ok)
            return failed();
        return {EndReason::exit, lines_, {}};
    }

    SessionResult failed() const { return {EndReason::error, lines_, stream_.error_text()}; }

    // RFC 860: answered once the lines before the request are answered, i.e. before the next
    // read. telnet holds back all output until then.
    void answer_timing_marks() {
        for (unsigned n = telnet_.take_timing_marks(); n > 0; --n)
            stream_.write(TelnetFilter::will_timing_mark);
    }

    Stream& stream_;
    const Options& options_;
    std::string_view peer_;
    Answerer& answerer_;
    TelnetFilter telnet_;
    std::uint64_t lines_ = 0;
    std::uint64_t too_long_ = 0;
    bool probe_ = false;
    std::string out_;  // reused for every reply: no allocation per line once it has grown
    SessionResult end_;
};

}  // namespace

SessionResult run_conversation(Stream& stream, const Options& options, std::string_view peer,
                               Answerer& answerer) {
    return Conversation(stream, options, peer, answerer).run();
}

}  // namespace hellod::protocol
