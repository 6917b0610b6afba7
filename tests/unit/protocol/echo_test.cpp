// The echo protocol (RFC 862), over a socketpair.
#include "protocol/echo.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <string>

#include "protocol/probe_marker.hpp"
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

// The probe's payload and nothing else, in however many reads, is a --probe health check; a
// person's bytes, before, after or instead of it, are not.
TEST(Echo, OnlyTheProbesPayloadAloneIsAProbeSession) {
    const std::string payload(probe_echo_payload);
    auto c = testing::converse([](Stream& st) { return run_echo(st); }, payload);
    EXPECT_EQ(c.output, payload);
    EXPECT_TRUE(c.result.probe);
    {
        LiveSession session([](Stream& st) { return run_echo(st); });
        session.send(payload.substr(0, 5));  // echoed before the rest is sent: two reads
        EXPECT_EQ(session.read_until(payload.substr(0, 5)), payload.substr(0, 5));
        session.send(payload.substr(5));
        session.close_input();
        EXPECT_EQ(session.read_all(), payload.substr(5));
        EXPECT_TRUE(session.result().probe);
    }
    for (const std::string& input : {std::string(probe_marker), payload + "more", "x" + payload,
                                     payload.substr(1), std::string("probe\n")}) {
        c = testing::converse([](Stream& st) { return run_echo(st); }, input);
        EXPECT_EQ(c.output, input);
        EXPECT_FALSE(c.result.probe) << ::testing::PrintToString(input);
    }
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
