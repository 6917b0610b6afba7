// The echo protocol (RFC 862), over a socketpair.
#include "protocol/echo.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <string>

#include "session_harness.hpp"

namespace hellod::protocol {
namespace {

using namespace std::chrono_literals;
using testing::LiveSession;

TEST(Echo, EveryByteComesBackIncludingTelnetAndCommands) {
    using namespace std::string_literals;
    const std::string input = "exit\n\xff\xf4\xff\xff\0\r\n\x80\xfe no newline"s;
    const auto c = testing::converse([](Stream& st) { return run_echo(st); }, input);
    EXPECT_EQ(c.output, input);  // no welcome, no telnet processing, no exit command
    EXPECT_EQ(c.result.reason, EndReason::eof);
}

TEST(Echo, BigTransfersStreamThroughInBoundedMemory) {
    std::string input(8 << 20, '\0');
    for (std::size_t i = 0; i < input.size(); ++i)
        input[i] = static_cast<char>((i * 7919) >> 3);
    std::size_t capacity = 0;
    const auto c = testing::converse(
        [&](Stream& st) {
            const auto result = run_echo(st);
            capacity = st.buffer_capacity();
            return result;
        },
        input);
    EXPECT_TRUE(c.output == input) << "echoed " << c.output.size() << " of " << input.size();
    EXPECT_LE(capacity, LiveSession::default_options().read_buffer);
}

TEST(Echo, IdleTimeoutSendsTheLineAndCloses) {
    auto options = LiveSession::default_options();
    options.read_timeout = 100ms;
    LiveSession session([](Stream& st) { return run_echo(st); }, options);
    session.send("ping");
    EXPECT_EQ(session.read_all(), "pingError: idle timeout\r\n");
    EXPECT_EQ(session.result().reason, EndReason::idle);
}

TEST(Echo, AClientThatNeverReadsIsCutByTheWriteTimeout) {
    auto options = LiveSession::default_options();
    options.write_timeout = 200ms;
    LiveSession session([](Stream& st) { return run_echo(st); }, options);
    // Fill both directions without reading: the echo blocks in its write and must give up.
    const std::string block(64 * 1024, 'x');
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (::send(session.client_fd(), block.data(), block.size(), MSG_DONTWAIT | MSG_NOSIGNAL) >
               0 &&
           std::chrono::steady_clock::now() < deadline) {
    }
    const auto result = session.result();
    EXPECT_EQ(result.reason, EndReason::error);
    EXPECT_EQ(result.detail, "write timed out");
}

}  // namespace
}  // namespace hellod::protocol
