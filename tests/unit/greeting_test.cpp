// The greeting protocol over a socketpair: exactly the bytes of the spec, no network needed.
#include "protocol/greeting.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <thread>

#include "net/fd.hpp"

namespace hellod::protocol {
namespace {

using namespace std::chrono_literals;

struct Conversation {
    std::string output;
    SessionResult result;
};

// Runs one session: `input` is sent (then the client half-closes when `close_input`), and
// everything the server writes until it closes is returned.
Conversation converse(const Settings& settings, std::string input, bool close_input = true) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        throw std::runtime_error("socketpair");
    net::UniqueFd server(pair[0]), client(pair[1]);
    timeval tv{5, 0};
    ::setsockopt(client.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    Conversation c;
    std::thread worker([&] {
        Stream stream(server.get(), {.read_timeout = 5s, .write_timeout = 5s});
        c.result = run_greeting(stream, settings);
        stream.flush();
        ::shutdown(server.get(), SHUT_RDWR);
    });
    std::thread writer([&] {
        ::send(client.get(), input.data(), input.size(), MSG_NOSIGNAL);
        if (close_input) ::shutdown(client.get(), SHUT_WR);
    });
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::recv(client.get(), buffer, sizeof buffer, 0);
        if (n <= 0) break;
        c.output.append(buffer, static_cast<std::size_t>(n));
    }
    writer.join();
    worker.join();
    return c;
}

TEST(Greeting, SpecTranscript) {
    const auto c = converse({}, "Michael\nTracy\nexit\n");
    EXPECT_EQ(c.output, "Welcome!\r\nHello, Michael!\r\nHello, Tracy!\r\nBye!\r\n");
    EXPECT_EQ(c.result.reason, EndReason::exit);
    EXPECT_EQ(c.result.lines, 3u);
}

TEST(Greeting, TrimsSpacesAndTabsAndIgnoresEmptyLines) {
    const auto c = converse({}, "  \t Ann \t\r\n\n   \n\t\nexit\n");
    EXPECT_EQ(c.output, "Welcome!\r\nHello, Ann!\r\nBye!\r\n");
}

TEST(Greeting, ExitCommandIsMatchedAfterTrimmingAndExactly) {
    const auto c = converse({}, "EXIT\n exit \n");
    EXPECT_EQ(c.output, "Welcome!\r\nHello, EXIT!\r\nBye!\r\n");
}

TEST(Greeting, PartialLineAtEofIsAnswered) {
    const auto c = converse({}, "Zed");
    EXPECT_EQ(c.output, "Welcome!\r\nHello, Zed!\r\n");
    EXPECT_EQ(c.result.reason, EndReason::eof);
}

TEST(Greeting, LineLimitCountsBytesWithoutTheTerminator) {
    Settings s;
    s.max_line_bytes = 5;
    const auto c = converse(s, "12345\r\n123456\nabcdefghijklmnop\nok\n");
    EXPECT_EQ(c.output,
              "Welcome!\r\nHello, 12345!\r\nError: line too long (limit 5 bytes)\r\n"
              "Error: line too long (limit 5 bytes)\r\nHello, ok!\r\n");
}

TEST(Greeting, TemplateWelcomeFarewellAndExitCommandComeFromSettings) {
    Settings s;
    s.welcome = "";
    s.farewell = "";
    s.exit_command = "quit";
    s.reply = ReplyTemplate::parse("100%% %s");
    const auto c = converse(s, "x\nexit\nquit\nnever\n");
    EXPECT_EQ(c.output, "100% x\r\n100% exit\r\n");
    EXPECT_EQ(c.result.reason, EndReason::exit);
}

TEST(Greeting, TelnetNegotiationIsRemovedAndIacIacIsOneByte) {
    using namespace std::string_literals;  // the input holds a NUL
    const auto c = converse({},
                            "\xff\xfb\x01Mi\xff\xffke\n\xff\xfa\x18\x00xterm\xff\xf0"
                            "Ann\n"s);
    EXPECT_EQ(c.output, "Welcome!\r\nHello, Mi\xffke!\r\nHello, Ann!\r\n");
}

TEST(Greeting, TelnetInterruptProcessEndsTheSessionLikeExit) {
    const auto c = converse({},
                            "Bob\n\xff\xf4"
                            "after\n",
                            false);
    EXPECT_EQ(c.output, "Welcome!\r\nHello, Bob!\r\nBye!\r\n");
    EXPECT_EQ(c.result.reason, EndReason::exit);
}

TEST(Greeting, TelnetTimingMarkIsAnsweredSoTelnetShowsTheFarewell) {
    // telnet's Ctrl-C: IAC IP IAC DO TIMING-MARK; it shows nothing until IAC WILL TIMING-MARK.
    const auto c = converse({}, "\xff\xf4\xff\xfd\x06", false);
    EXPECT_EQ(c.output,
              "Welcome!\r\n\xff\xfb\x06"
              "Bye!\r\n");
}

TEST(Greeting, TimingMarkMidSessionIsAnsweredAfterTheLineBeforeIt) {
    const auto c = converse({},
                            "a\n\xff\xfd\x06"
                            "b\n");
    EXPECT_EQ(c.output, "Welcome!\r\nHello, a!\r\n\xff\xfb\x06Hello, b!\r\n");
}

TEST(Greeting, TelnetBreakEndsTheSessionToo) {
    const auto c = converse({}, "\xff\xf3", false);
    EXPECT_EQ(c.output, "Welcome!\r\nBye!\r\n");
}

TEST(Greeting, RepliesAreByteFaithful) {
    const std::string odd("Zo\xc3\xab \x01\x7f\xfe", 9);
    const auto c = converse({}, odd + "\n");
    EXPECT_EQ(c.output, "Welcome!\r\nHello, " + odd + "!\r\n");
}

TEST(Greeting, TrimHelper) {
    EXPECT_EQ(trim("  a b \t"), "a b");
    EXPECT_EQ(trim(" \t "), "");
    EXPECT_EQ(trim(""), "");
}

}  // namespace
}  // namespace hellod::protocol
