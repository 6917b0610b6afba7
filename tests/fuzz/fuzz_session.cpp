// Fuzz target: a whole session, as serve() runs one (protocol/session.hpp over the stream, then
// the flush and the lingering close), over a socketpair. The target is the client: it sends the
// input, half-closes, and reads everything the server sends.
//
// Input: [flags] [max-line-bytes: 2 bytes] then what the client sends.
//   flags bits 0-1: protocol (greeting, greeting, timestamp, echo); bit 2: raw framing (not with
//   echo, which refuses it); bit 3: the daemon is shutting down before the session starts;
//   bits 4-6: the texts (welcome, reply, exit-command, farewell) from a table of eight; bit 7: the
//   texts come from the input instead, as four NUL-terminated fields after the header, and must
//   pass the settings' validation (through parse_invocation, as HELLOD_* variables).
//
// What is checked: the session ends by itself (exit, eof or shutdown: the client sends all it has
// and closes, so never by a timeout or an error); the output is bounded by a function of the
// input; echo returns the input; under line framing the output is exactly what the contract
// says, up to where the telnet timing-mark answers (IAC WILL TIMING-MARK) fall, which depends on
// read boundaries and is checked by count.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/config_error.hpp"
#include "config/invocation.hpp"
#include "config/settings.hpp"
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "io/stream.hpp"
#include "line_model.hpp"
#include "log/log.hpp"
#include "net/socket_transport.hpp"
#include "protocol/dispatch.hpp"
#include "protocol/fixed_lines.hpp"
#include "protocol/telnet_filter.hpp"
#include "socket_pair.hpp"

namespace hellod::fuzz {
namespace {

using namespace std::chrono_literals;
using protocol::EndReason;

struct Texts {
    std::string_view welcome, reply, exit_command, farewell;
};

// Defaults, none at all, %% and no slot, short and spaced exit commands.
constexpr Texts kTexts[] = {
    {"Welcome!", "Hello, %s!", "exit", "Bye!"},
    {"", "%s", "", ""},
    {"Hi 100%", "%%%s%%", "quit", "See you"},
    {"Welcome!", "Hi!", "exit", "Bye!"},
    {"", "Hello, %s!", "a", ""},
    {"W", "[%s]", "exit now", ""},
    {"Welcome!", "Hello, %s!", "exit", ""},
    {"", "%s, hello", "exit", "Bye!"},
};

constexpr std::string_view kTimingMark = TelnetFilter::will_timing_mark;
constexpr std::size_t kStampLength = 24;  // "Thu Sep 15 22:29:12 2016"

// The settings the input asks for, or nullopt when its own texts fail validation.
std::optional<Settings> settings_from(FuzzInput& input) {
    const std::uint8_t flags = input.byte();
    Settings s;
    static constexpr Protocol kProtocols[] = {Protocol::greeting, Protocol::greeting,
                                              Protocol::timestamp, Protocol::echo};
    s.session.protocol = kProtocols[flags & 3];
    s.session.framing =
        (flags & 4) != 0 && s.session.protocol != Protocol::echo ? Framing::raw : Framing::line;
    s.session.max_line_bytes = input.limit();
    // Never reached (the client closes, the server end's buffer is large enough or drained): a
    // session that waits for either is a finding, reported as a timeout by libFuzzer.
    s.idle_timeout = 20s;
    s.write_timeout = 20s;
    if ((flags & 0x80) == 0) {
        const Texts& texts = kTexts[(flags >> 4) & 7];
        s.session.welcome = texts.welcome;
        s.session.reply = ReplyTemplate::parse(texts.reply);
        s.session.exit_command = texts.exit_command;
        s.session.farewell = texts.farewell;
    } else {
        Environment env;
        env["HELLOD_WELCOME"] = input.field('\0');
        env["HELLOD_REPLY"] = input.field('\0');
        env["HELLOD_EXIT_COMMAND"] = input.field('\0');
        env["HELLOD_FAREWELL"] = input.field('\0');
        const char* const args[] = {"hellod"};
        try {
            const Settings valid = parse_invocation(args, env).settings;
            s.session.welcome = valid.session.welcome;
            s.session.reply = valid.session.reply;
            s.session.exit_command = valid.session.exit_command;
            s.session.farewell = valid.session.farewell;
        } catch (const ConfigError&) {
            return std::nullopt;
        }
    }
    if (s.session.protocol == Protocol::echo)
        s.session.welcome.clear();  // as parse_invocation does
    return s;
}

// The welcome as the server sends it: %h filled in, %% folded (expand_welcome, which the reply
// template's fuzz target checks against a model of its own).
std::string sent_welcome(const Settings& s) {
    return expand_welcome(s.session.welcome, s.session.host.value);
}

// A line the output must hold. A stamped line has the ctime text at bytes 1-24 ("[" first).
struct Expected {
    std::string text;  // with its CRLF
    bool stamped = false;
    bool optional = false;
};

struct Model {
    std::vector<Expected> lines;
    std::uint64_t line_count = 0;  // lines the session receives (the optional one not counted)
    EndReason reason = EndReason::eof;
    bool ended_by_interrupt = false;
};

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::string too_long_line(const Settings& s) {
    return "Error: line too long (limit " + std::to_string(s.session.max_line_bytes) +
           " bytes)\r\n";
}

// The contract's conversation for greeting and timestamp under line framing.
Model conversation_model(const Settings& s, const TelnetModel& telnet) {
    Model model;
    const auto add = [&](std::string text, bool stamped = false, bool optional = false) {
        text += "\r\n";
        Expected line;
        line.text = std::move(text);
        line.stamped = stamped;
        line.optional = optional;
        model.lines.push_back(std::move(line));
    };
    if (!s.session.welcome.empty()) add(sent_welcome(s));
    const LineModel lines = line_model(telnet.data, s.session.max_line_bytes, telnet.stopped);
    for (const ModelLine& line : lines.lines) {
        ++model.line_count;
        if (line.too_long) {
            model.lines.push_back({too_long_line(s), false, false});
            continue;
        }
        const std::string_view text = trim(line.text);
        if (text.empty()) continue;
        if (!s.session.exit_command.empty() && text == s.session.exit_command) {
            if (!s.session.farewell.empty()) add(s.session.farewell);
            model.reason = EndReason::exit;
            return model;
        }
        if (s.session.protocol == Protocol::timestamp) {
            add("[" + std::string(kStampLength, '?') + "] " + std::string(text), true);
        } else {
            std::string reply;
            s.session.reply.render(text, reply);
            add(std::move(reply));
        }
    }
    if (telnet.stopped) {
        if (lines.optional_too_long) model.lines.push_back({too_long_line(s), false, true});
        if (!s.session.farewell.empty()) add(s.session.farewell);
        model.reason = EndReason::exit;
        model.ended_by_interrupt = true;
    }
    return model;
}

// "Thu Sep 15 22:29:12 2016", as ctime() lays it out.
bool looks_like_ctime(std::string_view t) {
    const auto alpha = [&](std::size_t i) {
        return std::isalpha(static_cast<unsigned char>(t[i]));
    };
    const auto digit = [&](std::size_t i) {
        return std::isdigit(static_cast<unsigned char>(t[i]));
    };
    return t.size() == kStampLength && alpha(0) && alpha(1) && alpha(2) && t[3] == ' ' &&
           alpha(4) && alpha(5) && alpha(6) && t[7] == ' ' && (t[8] == ' ' || digit(8)) &&
           digit(9) && t[10] == ' ' && digit(11) && digit(12) && t[13] == ':' && digit(14) &&
           digit(15) && t[16] == ':' && digit(17) && digit(18) && t[19] == ' ' && digit(20) &&
           digit(21) && digit(22) && digit(23);
}

bool line_at(std::string_view out, std::size_t pos, const Expected& line) {
    if (out.size() - pos < line.text.size()) return false;
    const std::string_view got = out.substr(pos, line.text.size());
    if (!line.stamped) return got == line.text;
    return got.front() == '[' && looks_like_ctime(got.substr(1, kStampLength)) &&
           got.substr(1 + kStampLength) == std::string_view(line.text).substr(1 + kStampLength);
}

// Matches the output against the model's lines, with timing-mark answers allowed between lines;
// counts those. `with_optional`: whether the model's optional line is expected.
bool matches(std::string_view out, const Model& model, bool with_optional, std::size_t& marks) {
    std::size_t pos = 0;
    marks = 0;
    const auto skip_marks = [&](const Expected* next) {
        while (out.substr(pos).starts_with(kTimingMark) && !(next && line_at(out, pos, *next))) {
            pos += kTimingMark.size();
            ++marks;
        }
    };
    for (const Expected& line : model.lines) {
        if (line.optional && !with_optional) continue;
        skip_marks(&line);
        if (!line_at(out, pos, line)) return false;
        pos += line.text.size();
    }
    skip_marks(nullptr);
    return pos == out.size();
}

std::string expected_text(const Model& model) {
    std::string text;
    for (const Expected& line : model.lines)
        text += (line.optional ? "(optional) " : "") + line.text;
    return text;
}

// `one_read`: the stream read the whole input at once.
void check_conversation(std::string_view out, const protocol::SessionResult& result,
                        const Settings& s, const TelnetModel& telnet, bool one_read) {
    const Model model = conversation_model(s, telnet);
    FUZZ_CHECK(result.reason == model.reason,
               "ended " + std::string(protocol::to_string(result.reason)) + ", the model " +
                   std::string(protocol::to_string(model.reason)));
    // A model line starting with 0xFF could be taken for a timing-mark answer, or the other way
    // round; such outputs get the checks that hold for raw framing only.
    for (const Expected& line : model.lines) {
        if (line.text.starts_with('\xff')) return;
    }
    std::size_t marks = 0;
    bool optional_seen = false;
    if (!matches(out, model, false, marks)) {
        optional_seen = true;
        FUZZ_CHECK(matches(out, model, true, marks), "output \"" + visible(out, 2000) +
                                                         "\"\nwant \"" +
                                                         visible(expected_text(model), 2000) + '"');
    }
    const std::uint64_t lines = model.line_count + (optional_seen ? 1 : 0);
    FUZZ_CHECK(result.lines == lines,
               "lines " + std::to_string(result.lines) + ", the model " + std::to_string(lines));
    const std::size_t most = telnet.do_timing_marks + (telnet.timing_mark_after_stop ? 1 : 0);
    FUZZ_CHECK(marks <= most, std::to_string(marks) + " timing marks answered, " +
                                  std::to_string(most) + " at most asked for");
    // On IAC IP (telnet's ^C) every request before it is answered: telnet shows nothing until
    // then. So is the one telnet sends right behind its IAC IP, if it came in the same read, which
    // it does when the whole input fits the stream's first read.
    if (model.ended_by_interrupt) {
        const std::size_t least =
            telnet.do_timing_marks + (one_read && telnet.timing_mark_after_stop ? 1 : 0);
        FUZZ_CHECK(marks >= least, std::to_string(marks) + " timing marks answered, " +
                                       std::to_string(least) + " asked for with IAC IP");
    }
}

// What holds under raw framing, where one read is one message and reads are the kernel's choice.
void check_messages(std::string_view out, const protocol::SessionResult& result, const Settings& s,
                    const TelnetModel& telnet) {
    if (!s.session.welcome.empty())
        FUZZ_CHECK(out.starts_with(sent_welcome(s) + "\r\n"), visible(out));
    std::string_view lines = out;
    while (lines.ends_with(kTimingMark))
        lines.remove_suffix(kTimingMark.size());
    FUZZ_CHECK(lines.empty() || lines.ends_with("\r\n"), visible(out));
    FUZZ_CHECK(result.reason == EndReason::exit || result.reason == EndReason::eof,
               protocol::to_string(result.reason));
    FUZZ_CHECK(result.lines <= telnet.data.size(), "more messages than bytes");
    if (result.reason == EndReason::eof) {
        FUZZ_CHECK(!telnet.stopped, "eof after a telnet interrupt");
    } else {
        FUZZ_CHECK(
            telnet.stopped || (!s.session.exit_command.empty() &&
                               telnet.data.find(s.session.exit_command) != std::string::npos),
            "exit without the exit command or an interrupt");
        if (!s.session.farewell.empty())
            FUZZ_CHECK(out.ends_with(s.session.farewell + "\r\n"), visible(out));
    }
}

// The most a session may send for `input`: the fixed lines, and per message (at most one per
// line, per too-long stretch, or under raw framing per byte) the reply's own text or the
// longest error line, plus the message itself and at most one timing-mark answer per 3 bytes.
std::size_t output_bound(const Settings& s, std::string_view input) {
    const std::size_t n = input.size();
    std::size_t messages = n + 1;
    if (s.session.framing == Framing::line) {
        messages = static_cast<std::size_t>(std::count(input.begin(), input.end(), '\n')) + 2 +
                   n / (s.session.max_line_bytes + 2);
    }
    std::string empty_reply;
    s.session.reply.render("", empty_reply);
    const std::size_t per_message = std::max<std::size_t>(empty_reply.size(), 27) + 64;
    return sent_welcome(s).size() + s.session.farewell.size() + 64 + messages * per_message + 2 * n;
}

}  // namespace
}  // namespace hellod::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace hellod;
    using namespace hellod::fuzz;
    static const bool quiet = (log::set_level(LogLevel::error), true);
    (void)quiet;

    FuzzInput input(data, size);
    const bool shutting_down = size > 0 && (data[0] & 8) != 0;
    const std::optional<Settings> parsed = settings_from(input);
    if (!parsed) return 0;
    const Settings& settings = *parsed;
    const std::string_view sent = input.rest();

    SocketPair pair;
    // Room for the whole input and the whole output in the kernel, so that one thread can play
    // both sides; a helper thread takes a side only for inputs that need more.
    const auto room =
        static_cast<std::size_t>(SocketPair::grow_send_buffer(pair.client(), 4 << 20));
    const auto out_room =
        static_cast<std::size_t>(SocketPair::grow_send_buffer(pair.server(), 4 << 20));
    const std::size_t first = sent.size() <= room / 2 ? pair.send_some(sent) : 0;
    std::jthread writer;
    const bool writer_used = first != sent.size();
    if (!writer_used) {
        pair.end_input();
    } else {
        writer = std::jthread([&pair, rest = sent.substr(first)] {
            pair.send_all(rest);
            pair.end_input();
        });
    }
    std::string out;
    std::jthread reader;
    if (output_bound(settings, sent) > out_room / 2)
        reader = std::jthread([&pair, &out] { out = pair.receive_all(); });

    const std::atomic<bool> cancel{shutting_down};
    protocol::SessionResult result;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    {
        // serve(), less the connection table and the access line (logging is off).
        net::SocketTransport transport(pair.server());
        Stream stream(transport, {.read_buffer = 4096,
                                  .write_buffer = 4096,
                                  .read_timeout = settings.idle_timeout,
                                  .write_timeout = settings.write_timeout,
                                  .cancel = &cancel});
        result = protocol::run_session(stream, settings.session, "fuzz");
        FUZZ_CHECK(result.reason != EndReason::error, "error: " + result.detail);
        // Nothing a client sends grows the read buffer past what one line or message needs.
        const std::size_t most = std::max<std::size_t>(4096, settings.session.max_line_bytes + 2);
        FUZZ_CHECK(stream.buffer_capacity() <= most,
                   "read buffer of " + std::to_string(stream.buffer_capacity()) + " bytes");
        FUZZ_CHECK(stream.flush() == Stream::Status::ok, stream.error_text());
        stream.close_gracefully(2000ms);
        bytes_in = stream.bytes_in();
        bytes_out = stream.bytes_out();
    }
    pair.close_server();
    if (writer.joinable()) writer.join();
    if (reader.joinable()) {
        reader.join();
    } else {
        out = pair.receive_all();
    }

    FUZZ_CHECK(bytes_out == out.size(), "bytes_out " + std::to_string(bytes_out) + ", received " +
                                            std::to_string(out.size()));
    FUZZ_CHECK(bytes_in <= sent.size(), "more bytes in than sent");
    // The lingering close reads what the client sent past the end of the session, up to 64 KiB,
    // when it was all there before the session ended (a writer thread may still be sending).
    if (!writer_used && sent.size() <= 64 * 1024)
        FUZZ_CHECK(bytes_in == sent.size(), "input left unread");
    FUZZ_CHECK(
        out.size() <= output_bound(settings, sent),
        std::to_string(out.size()) + " bytes out for " + std::to_string(sent.size()) + " in");

    if (shutting_down) {
        const std::string want =
            (settings.session.welcome.empty() ? "" : sent_welcome(settings) + "\r\n") +
            std::string(protocol::shutdown_line);
        FUZZ_CHECK(out == want, visible(out));
        FUZZ_CHECK(result.reason == EndReason::shutdown, protocol::to_string(result.reason));
        return 0;
    }
    if (settings.session.protocol == Protocol::echo) {
        FUZZ_CHECK(out == sent, "echo: \"" + visible(out) + "\" for \"" + visible(sent) + '"');
        FUZZ_CHECK(result.reason == EndReason::eof, protocol::to_string(result.reason));
        return 0;
    }
    const TelnetModel telnet = telnet_model(sent);
    if (settings.session.framing == Framing::raw) {
        check_messages(out, result, settings, telnet);
    } else {
        // The stream's first read has its inline buffer, and the client sent it all at once.
        const bool one_read = sent.size() <= Stream::inline_buffer && !writer_used;
        check_conversation(out, result, settings, telnet, one_read);
    }
    return 0;
}
