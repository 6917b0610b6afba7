// The log under hostile names, through the real binary: a client sends every byte value and the
// usual terminal attacks (screen clears, title and hyperlink escapes, C1 controls, backspaces,
// forged line breaks, bidirectional overrides) as names, with every line logged (trace). The log
// must hold only escaped text, one line per event, and the escapes must say exactly what was
// sent. The oracle here is written independently of daemon/text/escape.cpp.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "child_process.hpp"
#include "json_object.hpp"
#include "notify_socket.hpp"
#include "temp_file.hpp"
#include "test_client.hpp"
#include "utf8_decode.hpp"

namespace hellod {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::NotifySocket;
using testing::TempFile;
using testing::TestClient;

struct HostileLine {
    std::string wire;      // the bytes sent, without the "\n" that ends the line
    std::string received;  // what hellod reads from them (telnet IAC IAC is one 0xFF)
};

std::vector<HostileLine> hostile_lines() {
    std::vector<HostileLine> lines;
    for (int b = 0; b < 256; ++b) {
        if (b == '\n') continue;  // it ends the line: every line below is an example of it
        const char byte = static_cast<char>(b);
        // A lone "\r" is data; only the one right before the "\n" is dropped, so keep it inside.
        if (b == 0xff)
            lines.push_back({"<\xff\xff>", "<\xff>"});
        else
            lines.push_back({std::string("<") + byte + ">", std::string("<") + byte + ">"});
    }
    const std::vector<std::string> attacks = {
        "\x1b[2J\x1b[H",     // clear the screen, cursor home
        "\x1b]0;owned\x07",  // set the window title
        "\x1b]8;;http://example.invalid/\x1b\\click\x1b]8;;\x1b\\",  // a hyperlink
        "\x1b[6n",                                                   // ask the terminal to answer
        "\x1bP+q544e\x1b\\",                                         // DCS: a terminfo query
        "\x9b"
        "31m8-bit CSI",
        "\xc2\x9b"
        "31mC1 CSI as UTF-8",
        "\x1b[31mred\x1b[0m",
        "\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08root",  // rub out the line's start
        "ok\r2026-11-21 00:00:00.000 error forged",              // return to the line's start
        "ok\r\n2026-11-21 00:00:00.000 error forged",            // a line break ends the line
        "forged\xe2\x80\xa8next line",                           // U+2028 LINE SEPARATOR
        "forged\xe2\x80\xa9next paragraph",                      // U+2029 PARAGRAPH SEPARATOR
        "\xe2\x80\xae"
        "desrever",                          // U+202E RIGHT-TO-LEFT OVERRIDE
        "\xe2\x81\xa6isolated\xe2\x81\xa9",  // U+2066 .. U+2069
        std::string("nul\0inside", 10),
        "\x7f\x7f\x7f",
        "bad utf-8 \xc0\xaf \xed\xa0\x80 \xf5\x80\x80\x80 \xe2\x82",
        "quote \" and backslash \\ and \\x41 written out",
        "Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80",  // well-formed text stays as it is
    };
    for (const auto& attack : attacks) {
        // "ok\r\n..." is two lines on the wire; the rest are one line each.
        if (const auto at = attack.find("\r\n"); at != std::string::npos) {
            lines.push_back({attack.substr(0, at) + '\r', attack.substr(0, at)});
            lines.push_back({attack.substr(at + 2), attack.substr(at + 2)});
            continue;
        }
        lines.push_back({attack, attack});
    }
    std::string every;  // all of them in one name
    for (int b = 0; b < 256; ++b)
        if (b != '\n' && b != 0xff) every += static_cast<char>(b);
    lines.push_back({every, every});
    return lines;
}

// Why `line` is not safe to show, or nullopt: every byte printable ASCII or part of well-formed
// UTF-8 that is neither a C1 control nor a code point that moves or reorders text on screen.
std::optional<std::string> unsafe(std::string_view line) {
    for (std::size_t i = 0; i < line.size();) {
        const auto b0 = static_cast<unsigned char>(line[i]);
        if (b0 < 0x20 || b0 == 0x7f) return "control byte " + std::to_string(b0);
        if (b0 < 0x80) {
            ++i;
            continue;
        }
        const auto sequence = testing::decode_utf8(line.substr(i));
        if (!sequence) return "invalid UTF-8 at byte " + std::to_string(i);
        const auto cp = sequence->code_point;
        if (cp <= 0x9f) return "C1 control at byte " + std::to_string(i);
        if (cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
            (cp >= 0x2066 && cp <= 0x2069))
            return "line separator or bidi control at byte " + std::to_string(i);
        i += sequence->length;
    }
    return std::nullopt;
}

// The log's escapes read back: \\ \" \t \r \n \xHH. Anything else after a backslash is an error.
std::optional<std::string> unescape(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            if (text[i] == '"') return std::nullopt;  // a bare quote would end the field early
            out += text[i];
            continue;
        }
        if (++i == text.size()) return std::nullopt;
        switch (text[i]) {
            case '\\':
            case '"':
                out += text[i];
                break;
            case 't':
                out += '\t';
                break;
            case 'r':
                out += '\r';
                break;
            case 'n':
                out += '\n';
                break;
            case 'x': {
                if (text.size() - i < 3) return std::nullopt;
                const std::string hex(text.substr(i + 1, 2));
                if (hex.find_first_not_of("0123456789abcdef") != std::string::npos)
                    return std::nullopt;
                out += static_cast<char>(std::stoi(hex, nullptr, 16));
                i += 2;
                break;
            }
            default:
                return std::nullopt;
        }
    }
    return out;
}

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    while (!text.empty()) {
        const auto end = text.find('\n');
        if (end == std::string_view::npos) {
            lines.emplace_back(text);  // an unterminated last line: reported by the caller
            break;
        }
        lines.emplace_back(text.substr(0, end));
        text.remove_prefix(end + 1);
    }
    return lines;
}

// Runs one session of hostile names against the binary with the given log format; returns the
// whole log once hellod has exited.
std::string log_of_hostile_session(const char* format, const std::vector<HostileLine>& hostile) {
    NotifySocket socket;
    EXPECT_TRUE(socket.bound());
    TempFile log("");
    ChildProcess hellod(
        testing::hellod_command(HELLOD_BINARY, {"--listen", "127.0.0.1:0", "--log-level", "trace",
                                                "--log-format", format}),
        {"NOTIFY_SOCKET=" + socket.address(), "JOURNAL_STREAM="}, log.path());
    // READY=1 comes once the listener is bound and its address logged.
    if (!socket.next(10s).starts_with("READY=1")) {
        ADD_FAILURE() << "hellod did not become ready: " << hellod.stderr_text();
        return {};
    }
    const unsigned port = testing::port_from_log(hellod.stderr_text());
    if (port == 0) {
        ADD_FAILURE() << "no port in the log: " << hellod.stderr_text();
        return {};
    }
    {
        TestClient client(port);
        std::string wire;
        for (const auto& line : hostile)
            wire += line.wire + '\n';
        client.send(wire + "exit\n");
        const std::string replies = client.read_to_eof();
        EXPECT_TRUE(replies.starts_with("Welcome!\r\n")) << replies.substr(0, 40);
        EXPECT_TRUE(replies.ends_with("Bye!\r\n")) << "the session did not end with the farewell";
    }
    hellod.signal(SIGTERM);
    const auto status = hellod.wait(10s);
    EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << "hellod did not exit cleanly after SIGTERM";
    return hellod.stderr_text();
}

// The text of one client line as logged, from a message `<peer> line "<escaped>"`.
std::optional<std::string> logged_line_text(std::string_view message) {
    const std::string_view marker = " line \"";
    const auto at = message.find(marker);
    if (at == std::string_view::npos || !message.ends_with('"')) return std::nullopt;
    const auto inner = message.substr(at + marker.size(), message.size() - at - marker.size() - 1);
    return unescape(inner);
}

void expect_only_escaped_text(const std::string& log, const std::vector<HostileLine>& hostile,
                              bool json) {
    ASSERT_FALSE(log.empty());
    ASSERT_TRUE(log.ends_with('\n')) << "the log ends in the middle of a line";
    std::vector<std::string> logged;  // each client line as the log shows it, in order
    int access_lines = 0;
    for (const auto& line : split_lines(log)) {
        const auto why = unsafe(line);
        ASSERT_FALSE(why.has_value()) << *why << " in log line: " << line;
        std::string message = line;
        if (json) {
            try {
                const auto object = testing::parse_json_object(line);
                const auto* field = object.find("message");
                ASSERT_NE(field, nullptr) << "no message: " << line;
                message = field->text;
            } catch (const std::exception& e) {
                FAIL() << "not a JSON object (" << e.what() << "): " << line;
            }
            ASSERT_FALSE(unsafe(message).has_value()) << "message: " << message;
            if (message == "access") ++access_lines;
        } else if (line.find(" access peer=") != std::string::npos) {
            ++access_lines;
        }
        if (message.find(" line \"") == std::string::npos) continue;
        const auto text = logged_line_text(message);
        ASSERT_TRUE(text.has_value()) << "cannot read the escapes back: " << line;
        logged.push_back(*text);
    }
    // One event, one line: every client line logged once, as its own line, and exactly what
    // was received; the session's one access line.
    ASSERT_EQ(logged.size(), hostile.size() + 1) << "one log line per client line, and exit";
    for (std::size_t i = 0; i < hostile.size(); ++i)
        EXPECT_EQ(logged[i], hostile[i].received) << "client line " << i;
    EXPECT_EQ(logged.back(), "exit");
    EXPECT_EQ(access_lines, 1);
}

TEST(LogSafety, EveryByteAndTerminalEscapeIsLoggedAsEscapedTextOneLinePerEvent) {
    const auto hostile = hostile_lines();
    expect_only_escaped_text(log_of_hostile_session("text", hostile), hostile, false);
}

TEST(LogSafety, JsonLogsHoldTheSameEscapedTextInValidJson) {
    const auto hostile = hostile_lines();
    expect_only_escaped_text(log_of_hostile_session("json", hostile), hostile, true);
}

}  // namespace
}  // namespace hellod
