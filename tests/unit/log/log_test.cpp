// The log's two formats, read back from a real stderr: text byte for byte as it always was,
// json as one strictly valid flat object per line.
#include "log/log.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "captured_stderr.hpp"
#include "json_object.hpp"
#include "text/escape.hpp"

namespace hellod {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using testing::CapturedStderr;
using testing::JsonObject;
using testing::parse_json_object;

constexpr std::size_t kTimestampSize = 29;  // 2026-11-21T05:24:07.123+00:00

// By hand rather than with std::regex, whose headers trip GCC 12's -Wmaybe-uninitialized under
// the sanitizers.
bool is_timestamp(std::string_view text) {
    constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd.ddd+dd:dd";
    if (text.size() != shape.size()) return false;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        const char c = text[i];
        const bool fits = shape[i] == 'd'   ? c >= '0' && c <= '9'
                          : shape[i] == '+' ? c == '+' || c == '-'
                                            : c == shape[i];
        if (!fits) return false;
    }
    return true;
}

class LogFormats : public ::testing::Test {
  protected:
    void TearDown() override {
        log::init(LogLevel::info, log::Destination::terminal, LogFormat::text);
    }
};

// A terminal text line: the timestamp, one space, then exactly `rest`.
void expect_text_line(const std::string& line, const std::string& rest) {
    ASSERT_GT(line.size(), kTimestampSize) << line;
    EXPECT_TRUE(is_timestamp(line.substr(0, kTimestampSize))) << line;
    EXPECT_EQ(line.substr(kTimestampSize), " " + rest);
}

// Parses a json line and checks the keys every line starts with.
JsonObject json_line(std::string_view line, std::string_view level) {
    const auto object = parse_json_object(line);
    EXPECT_TRUE(object.ok()) << object.error << ": " << line;
    if (!object.ok()) return object;
    const auto keys = object.keys();
    EXPECT_GE(keys.size(), 3u) << line;
    if (keys.size() < 3) return object;
    EXPECT_EQ(keys[0], "time");
    EXPECT_EQ(keys[1], "level");
    EXPECT_EQ(keys[2], "message");
    const auto* time = object.find("time");
    EXPECT_TRUE(time->is_string() && is_timestamp(time->text)) << time->text;
    EXPECT_TRUE(object.find("level")->is_string());
    EXPECT_EQ(object.find("level")->text, level);
    EXPECT_TRUE(object.find("message")->is_string());
    return object;
}

// Bytes a client might send, or a PTR record hold: quotes, backslash, NUL, ESC, CR LF, tab,
// DEL, a C1 control, invalid UTF-8 (a lone lead byte, a surrogate, 0xff) and good UTF-8.
const std::string kHostile =
    "q\"b\\s\0e\x1b[31m\r\n\t\x7f\xc2\x9b\xc3(\xed\xa0\x80\xff Zo\xc3\xab"s;

log::AccessRecord hostile_access() {
    return {.peer = "127.0.0.1:5555",
            .host = kHostile,
            .duration = 12ms,
            .lines = 2,
            .bytes_in = 15,
            .bytes_out = 40,
            .end = "exit",
            .detail = kHostile};
}

log::AccessRecord plain_access() {
    return {.peer = "[::1]:5555",
            .duration = 1500ms,
            .lines = 0,
            .bytes_in = 0,
            .bytes_out = 39,
            .end = "busy"};
}

TEST_F(LogFormats, TextLinesAreAsTheyWere) {
    CapturedStderr captured;
    log::init(LogLevel::trace, log::Destination::terminal, LogFormat::text);
    log::write(LogLevel::trace, "t");
    log::write(LogLevel::debug, "d");
    log::write(LogLevel::info, "hello \"x\" \\ y");
    log::write(LogLevel::warning, "w");
    log::write(LogLevel::error, "e");
    const auto lines = captured.lines();
    ASSERT_EQ(lines.size(), 5u);
    expect_text_line(lines[0], "trace t");
    expect_text_line(lines[1], "debug d");
    expect_text_line(lines[2], "info  hello \"x\" \\ y");
    expect_text_line(lines[3], "warning w");
    expect_text_line(lines[4], "error e");
}

// Client text is escaped where it is put into a message; whatever else slips through unescaped
// (a file name from the command line, say) still cannot split the line or reach a terminal.
TEST_F(LogFormats, ATextMessageIsOneLineWhateverItHolds) {
    CapturedStderr captured;
    log::init(LogLevel::info, log::Destination::terminal, LogFormat::text);
    log::write(LogLevel::info, std::string("cannot read a\nb\x1b[2J\r\x7f\x00\tend \xc3\xab", 29));
    const auto lines = captured.lines();
    ASSERT_EQ(lines.size(), 1u);
    expect_text_line(lines[0], "info  cannot read a\\nb\\x1b[2J\\r\\x7f\\x00\\tend \xc3\xab");
}

TEST_F(LogFormats, TextAccessLinesAreAsTheyWere) {
    CapturedStderr captured;
    log::init(LogLevel::info, log::Destination::terminal, LogFormat::text);
    log::write_access(hostile_access());
    log::write_access(plain_access());
    const auto lines = captured.lines();
    ASSERT_EQ(lines.size(), 2u);
    const std::string hostile_escaped =
        "q\\\"b\\\\s\\x00e\\x1b[31m\\r\\n\\t\\x7f\\xc2\\x9b\\xc3(\\xed\\xa0\\x80\\xff Zo\xc3\xab";
    ASSERT_EQ(escaped(kHostile), hostile_escaped);
    expect_text_line(lines[0], "info  access peer=127.0.0.1:5555 host=\"" + hostile_escaped +
                                   "\" duration=0.012s lines=2 in=15 out=40 end=exit detail=\"" +
                                   hostile_escaped + "\"");
    expect_text_line(lines[1],
                     "info  access peer=[::1]:5555 duration=1.500s lines=0 in=0 out=39 end=busy");
}

TEST_F(LogFormats, TextForTheJournalHasThePriorityAndNoTimestamp) {
    CapturedStderr captured;
    log::init(LogLevel::info, log::Destination::journal, LogFormat::text);
    log::write(LogLevel::warning, "w");
    log::write_access(plain_access());
    const auto lines = captured.lines();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "<4>w");
    EXPECT_EQ(lines[1], "<6>access peer=[::1]:5555 duration=1.500s lines=0 in=0 out=39 end=busy");
}

TEST_F(LogFormats, JsonLinesAreObjectsWithTimeLevelMessage) {
    CapturedStderr captured;
    log::init(LogLevel::trace, log::Destination::terminal, LogFormat::json);
    const LogLevel levels[] = {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warning,
                               LogLevel::error};
    for (const auto level : levels)
        log::write(level, "m \"x\" \\ y");
    const auto lines = captured.lines();
    ASSERT_EQ(lines.size(), 5u);
    for (std::size_t i = 0; i < 5; ++i) {
        const auto object = json_line(lines[i], to_string(levels[i]));
        EXPECT_EQ(object.keys().size(), 3u) << lines[i];
        EXPECT_EQ(object.find("message")->text, "m \"x\" \\ y");
    }
    EXPECT_EQ(lines[2].substr(lines[2].find(",\"level\"")),
              R"(,"level":"info","message":"m \"x\" \\ y"})");
}

// The daemon escapes client text before it reaches a message (escape.hpp), so the decoded
// message is what the text log shows; raw bytes still make valid JSON.
TEST_F(LogFormats, JsonMessagesWithHostileBytesStayValid) {
    CapturedStderr captured;
    log::init(LogLevel::info, log::Destination::terminal, LogFormat::json);
    log::write(LogLevel::info, "line \"" + escaped(kHostile) + "\"");
    log::write(LogLevel::info, kHostile);
    const auto lines = captured.lines();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(json_line(lines[0], "info").find("message")->text,
              "line \"" + escaped(kHostile) + "\"");
    EXPECT_EQ(json_line(lines[1], "info").find("message")->text,
              "q\"b\\s\0e\x1b[31m\r\n\t\x7f\xc2\x9b\xef\xbf\xbd("
              "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd Zo\xc3\xab"s);
    for (const auto& line : lines) {
        for (const unsigned char c : line)
            EXPECT_TRUE(c >= 0x20 && c != 0x7f) << "raw control byte " << int(c) << ": " << line;
    }
}

TEST_F(LogFormats, JsonAccessLinesHaveTypedFields) {
    CapturedStderr captured;
    log::init(LogLevel::info, log::Destination::terminal, LogFormat::json);
    log::write_access(hostile_access());
    log::write_access(plain_access());
    const auto lines = captured.lines();
    ASSERT_EQ(lines.size(), 2u);

    auto object = json_line(lines[0], "info");
    EXPECT_EQ(object.keys(),
              (std::vector<std::string>{"time", "level", "message", "peer", "host", "duration",
                                        "lines", "bytes_in", "bytes_out", "end", "detail"}));
    EXPECT_EQ(object.find("message")->text, "access");
    const auto expect_field = [&](const char* key, bool number, std::string_view text) {
        const auto* value = object.find(key);
        ASSERT_NE(value, nullptr) << key;
        EXPECT_EQ(value->is_number(), number) << key;
        EXPECT_EQ(value->text, text) << key;
    };
    expect_field("peer", false, "127.0.0.1:5555");
    expect_field("host", false, escaped(kHostile));
    expect_field("duration", true, "0.012");
    expect_field("lines", true, "2");
    expect_field("bytes_in", true, "15");
    expect_field("bytes_out", true, "40");
    expect_field("end", false, "exit");
    expect_field("detail", false, escaped(kHostile));

    object = json_line(lines[1], "info");
    EXPECT_EQ(object.keys(),
              (std::vector<std::string>{"time", "level", "message", "peer", "duration", "lines",
                                        "bytes_in", "bytes_out", "end"}));
    expect_field("peer", false, "[::1]:5555");
    expect_field("duration", true, "1.500");
    expect_field("lines", true, "0");
    expect_field("bytes_out", true, "39");
    expect_field("end", false, "busy");
}

// A client that came through a load balancer: peer is the client its PROXY header named, via the
// balancer's end of the connection.
TEST_F(LogFormats, AccessLinesNameTheBalancerAClientCameThrough) {
    CapturedStderr captured;
    log::init(LogLevel::info, log::Destination::terminal, LogFormat::text);
    auto record = plain_access();
    record.peer = "192.0.2.7:51234";
    record.via = "10.0.0.1:40000";
    record.end = "exit";
    log::write_access(record);
    log::init(LogLevel::info, log::Destination::terminal, LogFormat::json);
    log::write_access(record);
    const auto lines = captured.lines();
    ASSERT_EQ(lines.size(), 2u);
    expect_text_line(lines[0],
                     "info  access peer=192.0.2.7:51234 via=10.0.0.1:40000 duration=1.500s "
                     "lines=0 in=0 out=39 end=exit");
    const auto object = json_line(lines[1], "info");
    EXPECT_EQ(object.keys(),
              (std::vector<std::string>{"time", "level", "message", "peer", "via", "duration",
                                        "lines", "bytes_in", "bytes_out", "end"}));
    EXPECT_EQ(object.find("via")->text, "10.0.0.1:40000");
}

// A --probe health check's session says so: probe=1 after end, a number in json.
TEST_F(LogFormats, AProbeSessionsAccessLineIsMarked) {
    CapturedStderr captured;
    log::init(LogLevel::debug, log::Destination::terminal, LogFormat::text);
    auto record = plain_access();
    record.level = LogLevel::debug;
    record.end = "exit";
    record.probe = true;
    log::write_access(record);
    log::init(LogLevel::debug, log::Destination::terminal, LogFormat::json);
    log::write_access(record);
    const auto lines = captured.lines();
    ASSERT_EQ(lines.size(), 2u);
    expect_text_line(lines[0],
                     "debug access peer=[::1]:5555 duration=1.500s lines=0 in=0 out=39 end=exit "
                     "probe=1");
    const auto object = json_line(lines[1], "debug");
    EXPECT_EQ(object.keys(),
              (std::vector<std::string>{"time", "level", "message", "peer", "duration", "lines",
                                        "bytes_in", "bytes_out", "end", "probe"}));
    ASSERT_NE(object.find("probe"), nullptr);
    EXPECT_TRUE(object.find("probe")->is_number());
    EXPECT_EQ(object.find("probe")->text, "1");
}

TEST_F(LogFormats, JsonForTheJournalKeepsThePriorityPrefix) {
    CapturedStderr captured;
    log::init(LogLevel::info, log::Destination::journal, LogFormat::json);
    log::write(LogLevel::error, "e");
    log::write_access(plain_access());
    const auto lines = captured.lines();
    ASSERT_EQ(lines.size(), 2u);
    ASSERT_TRUE(lines[0].starts_with("<3>{")) << lines[0];
    EXPECT_EQ(json_line(std::string_view(lines[0]).substr(3), "error").find("message")->text, "e");
    ASSERT_TRUE(lines[1].starts_with("<6>{")) << lines[1];
    EXPECT_EQ(json_line(std::string_view(lines[1]).substr(3), "info").find("end")->text, "busy");
}

TEST_F(LogFormats, DisabledLevelsWriteNothingInEitherFormat) {
    CapturedStderr captured;
    for (const auto format : {LogFormat::text, LogFormat::json}) {
        log::init(LogLevel::warning, log::Destination::terminal, format);
        log::write(LogLevel::info, "no");
        log::write_access(plain_access());
        HLOG(debug) << "no";
    }
    EXPECT_TRUE(captured.lines().empty());
}

TEST_F(LogFormats, RenderIsTheLineWriteWouldSend) {
    log::set_format(LogFormat::json);
    const auto line = log::render(LogLevel::error, "listen: in use", log::Destination::terminal);
    EXPECT_EQ(json_line(line, "error").find("message")->text, "listen: in use");
    EXPECT_TRUE(log::render(LogLevel::error, "x", log::Destination::journal).starts_with("<3>{"));
    log::set_format(LogFormat::text);
    expect_text_line(log::render(LogLevel::error, "x", log::Destination::terminal), "error x");
}

// Threads log while the format flips back and forth (as a reload does): every line is wholly
// one format or the other.
TEST_F(LogFormats, AFormatChangeNeverSplitsALine) {
    CapturedStderr captured;
    log::init(LogLevel::info, log::Destination::terminal, LogFormat::text);
    constexpr int kThreads = 4;
    constexpr int kLines = 300;
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
        writers.emplace_back([] {
            for (int i = 0; i < kLines; ++i) {
                log::write(LogLevel::info, "message");
                log::write_access(plain_access());
            }
        });
    }
    for (int i = 0; i < 2000; ++i)
        log::set_format(i % 2 ? LogFormat::text : LogFormat::json);
    for (auto& writer : writers)
        writer.join();
    const auto lines = captured.lines();
    ASSERT_EQ(lines.size(), 2u * kThreads * kLines);
    for (const auto& line : lines) {
        if (line.starts_with("{")) {
            json_line(line, "info");
        } else {
            ASSERT_GT(line.size(), kTimestampSize) << line;
            const auto rest = line.substr(kTimestampSize);
            EXPECT_TRUE(rest == " info  message" ||
                        rest ==
                            " info  access peer=[::1]:5555 duration=1.500s lines=0 in=0 "
                            "out=39 end=busy")
                << line;
        }
    }
}

// A line in two writes could be split by another process's write to the same pipe. Over a
// SOCK_SEQPACKET socket each write(2) arrives as one packet, so the writes can be counted.
TEST_F(LogFormats, EachLineIsOneWrite) {
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
    std::clog.flush();
    const int saved = ::dup(STDERR_FILENO);
    ASSERT_GE(::dup2(pair[1], STDERR_FILENO), 0);
    for (const auto format : {LogFormat::text, LogFormat::json}) {
        log::init(LogLevel::info, log::Destination::terminal, format);
        log::write(LogLevel::info, "one");
        log::write_access(hostile_access());
    }
    ASSERT_TRUE(log::flush(5s));
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    ::close(pair[1]);
    std::vector<std::string> packets;
    char buffer[8192];
    for (ssize_t n; (n = ::recv(pair[0], buffer, sizeof buffer, 0)) > 0;)
        packets.emplace_back(buffer, static_cast<std::size_t>(n));
    ::close(pair[0]);
    ASSERT_EQ(packets.size(), 4u);
    for (const auto& packet : packets) {
        EXPECT_TRUE(packet.ends_with('\n')) << packet;
        EXPECT_EQ(packet.find('\n'), packet.size() - 1) << packet;
    }
}

// A reader that stops reading (a stalled journald, a paused pager) never makes a writer wait: the
// lines beyond the pipe and the queue are dropped, and once the reader is back the next line is
// preceded by their count. Were write() to wait for the reader, this test would hang.
TEST_F(LogFormats, AStalledReaderCostsLinesNotWaits) {
    log::init(LogLevel::info, log::Destination::terminal, LogFormat::text);
    int pipe_ends[2];
    ASSERT_EQ(::pipe2(pipe_ends, O_CLOEXEC), 0);
    std::clog.flush();
    const int saved = ::dup(STDERR_FILENO);
    ASSERT_GE(::dup2(pipe_ends[1], STDERR_FILENO), 0);
    ::close(pipe_ends[1]);
    const auto dropped_before = log::dropped();
    // The pipe holds 64 KiB, some 1,300 of these; the queue log::queue_lines more.
    const std::size_t lines = log::queue_lines + 4000;
    for (std::size_t i = 0; i < lines; ++i)
        log::write(LogLevel::info, "line " + std::to_string(i) + " of a log nobody reads yet");
    const auto dropped = log::dropped() - dropped_before;
    EXPECT_GT(dropped, 0u);

    std::string text;
    std::thread reader([&] {
        char buffer[65536];
        for (ssize_t n; (n = ::read(pipe_ends[0], buffer, sizeof buffer)) > 0;)
            text.append(buffer, static_cast<std::size_t>(n));
    });
    EXPECT_TRUE(log::flush(5s));  // the queue empties into the pipe as the reader reads
    log::write(LogLevel::info, "the reader is back");
    EXPECT_TRUE(log::flush(5s));
    ::dup2(saved, STDERR_FILENO);  // the pipe's last writer gone: the reader sees its end
    ::close(saved);
    reader.join();
    ::close(pipe_ends[0]);

    // Drops can begin before the pipe is full (the writers outrun the writer), so the count
    // may come in more than one notice; together they count every dropped line.
    std::uint64_t counted = 0;
    std::size_t notices = 0;
    std::size_t last_notice = 0;
    std::istringstream stream(text);
    std::size_t offset = 0;
    for (std::string line; std::getline(stream, line); offset += line.size() + 1) {
        const auto at = line.find(" warning ");
        if (at == std::string::npos) continue;
        ++notices;
        last_notice = offset;
        counted += std::stoull(line.substr(at + 9));
        EXPECT_NE(line.find(" dropped: the log's reader (stderr) was not taking them"),
                  std::string::npos)
            << line;
    }
    EXPECT_EQ(counted, dropped);
    const auto back = text.find(" info  the reader is back\n");
    ASSERT_NE(back, std::string::npos);
    EXPECT_LT(last_notice, back);
    // Every line that was not dropped arrived whole, in order.
    EXPECT_EQ(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')),
              lines - dropped + 1 + notices);
}

}  // namespace
}  // namespace hellod
