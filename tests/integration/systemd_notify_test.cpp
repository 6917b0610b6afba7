// The built binary under a NOTIFY_SOCKET this test owns, as systemd would start it with
// Type=notify and WatchdogSec=: what it announces, in which order, and that READY=1 means it
// already answers.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "notify_socket.hpp"
#include "temp_file.hpp"
#include "test_client.hpp"

namespace hellod {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::NotifySocket;
using testing::TempFile;
using testing::TestClient;

// Reads datagrams until one contains `text`; returns it, or "" after `timeout` without one.
std::string await(NotifySocket& socket, const std::string& text,
                  std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) return "";
        const auto message = socket.next(left);
        if (message.find(text) != std::string::npos) return message;
    }
}

// hellod on an ephemeral loopback port.
std::vector<std::string> hellod_command() {
    return testing::hellod_command(HELLOD_BINARY, {"--listen", "127.0.0.1:0"});
}

TEST(SystemdNotify, ReadyStatusWatchdogReloadAndStoppingInOrder) {
    NotifySocket socket;
    ASSERT_TRUE(socket.bound());
    TempFile log("");
    ChildProcess hellod(hellod_command(),
                        {"NOTIFY_SOCKET=" + socket.address(), "WATCHDOG_USEC=400000"}, log.path());

    const auto ready = socket.next(10s);
    ASSERT_EQ(ready, "READY=1\nSTATUS=0 sessions open; 0 accepted, 0 turned away since start")
        << hellod.stderr_text();
    // READY=1 comes after the listeners are bound, so systemd may send clients at once.
    const unsigned port = testing::port_from_log(hellod.stderr_text());
    ASSERT_NE(port, 0u) << hellod.stderr_text();
    TestClient client(port);
    EXPECT_EQ(client.read_exactly(10), "Welcome!\r\n");

    EXPECT_NE(await(socket, "STATUS=1 session open; 1 accepted"), "") << "live count shown";
    // WatchdogSec=0.4 s: pings at least every 0.2 s, so three arrive within a second or so.
    for (int i = 0; i < 3; ++i)
        ASSERT_NE(await(socket, "WATCHDOG=1", 2000ms), "") << "ping " << i;

    hellod.signal(SIGHUP);
    const auto reloading = await(socket, "RELOADING=1");
    EXPECT_NE(reloading.find("MONOTONIC_USEC="), std::string::npos) << reloading;
    EXPECT_TRUE(await(socket, "READY=1").starts_with("READY=1\nSTATUS=1 session open"));

    hellod.signal(SIGTERM);
    EXPECT_EQ(await(socket, "STOPPING=1"), "STOPPING=1\nSTATUS=Stopping: waiting for 1 session");
    EXPECT_EQ(client.read_to_eof(), "Error: server shutting down\r\n");
    const auto status = hellod.wait(10s);
    ASSERT_TRUE(status.has_value()) << "hellod did not exit after SIGTERM";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
}

TEST(SystemdNotify, AWatchdogForAnotherProcessGetsNoPings) {
    NotifySocket socket;
    ASSERT_TRUE(socket.bound());
    TempFile log("");
    ChildProcess hellod(
        hellod_command(),
        {"NOTIFY_SOCKET=" + socket.address(), "WATCHDOG_USEC=200000", "WATCHDOG_PID=1"},
        log.path());
    ASSERT_TRUE(socket.next(10s).starts_with("READY=1")) << hellod.stderr_text();
    EXPECT_EQ(await(socket, "WATCHDOG=1", 1000ms), "");
    hellod.signal(SIGTERM);
    ASSERT_TRUE(hellod.wait(10s).has_value());
}

}  // namespace
}  // namespace hellod
