// SystemdNotifier against a NOTIFY_SOCKET this test owns: what it sends, and when.
#include "os/systemd_notifier.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "notify_socket.hpp"

namespace hellod {
namespace {

using namespace std::chrono_literals;
using testing::NotifySocket;

TEST(SystemdNotifier, DoesNothingWithoutNotifySocket) {
    ::unsetenv("NOTIFY_SOCKET");
    SystemdNotifier notifier;
    EXPECT_FALSE(notifier.active());
    EXPECT_FALSE(notifier.heartbeat_interval().has_value()) << "an unmanaged daemon never wakes";
}

TEST(SystemdNotifier, ReadyReloadAndStopCarryStateAndStatus) {
    NotifySocket socket;
    ASSERT_TRUE(socket.bound());
    ::unsetenv("WATCHDOG_USEC");
    SystemdNotifier notifier;
    ASSERT_TRUE(notifier.active());
    EXPECT_EQ(notifier.heartbeat_interval(), 1000ms) << "status only, once a second";

    notifier.ready({0, 0, 0});
    EXPECT_EQ(socket.next(),
              "READY=1\nSTATUS=0 sessions open; 0 accepted, 0 turned away since start");
    notifier.reloading();
    const auto reloading = socket.next();
    EXPECT_TRUE(reloading.starts_with("RELOADING=1\nMONOTONIC_USEC=")) << reloading;
    notifier.reloaded({1, 5, 2});
    EXPECT_EQ(socket.next(),
              "READY=1\nSTATUS=1 session open; 5 accepted, 2 turned away since start");
    notifier.stopping({3, 5, 2});
    EXPECT_EQ(socket.next(), "STOPPING=1\nSTATUS=Stopping: waiting for 3 sessions");
}

TEST(SystemdNotifier, HeartbeatSendsStatusOnlyWhenItChanges) {
    NotifySocket socket;
    ASSERT_TRUE(socket.bound());
    ::unsetenv("WATCHDOG_USEC");
    SystemdNotifier notifier;
    notifier.ready({0, 0, 0});
    socket.next();
    notifier.heartbeat({0, 0, 0});
    EXPECT_EQ(socket.next(100ms), "") << "nothing changed, nothing sent";
    notifier.heartbeat({2, 2, 0});
    EXPECT_EQ(socket.next(), "STATUS=2 sessions open; 2 accepted, 0 turned away since start");
}

TEST(SystemdNotifier, StatusCountsRefusalsOnceThereAreAny) {
    NotifySocket socket;
    ASSERT_TRUE(socket.bound());
    ::unsetenv("WATCHDOG_USEC");
    SystemdNotifier notifier;
    ServerStatus status;
    status.open = 1;
    status.accepted = 5;
    status.turned_away = 2;
    status.refused = 7;
    notifier.ready(status);
    EXPECT_EQ(socket.next(),
              "READY=1\nSTATUS=1 session open; 5 accepted, 2 turned away, 7 refused since start");
    ++status.refused;  // a refusal alone is a change worth showing
    notifier.heartbeat(status);
    EXPECT_EQ(socket.next(),
              "STATUS=1 session open; 5 accepted, 2 turned away, 8 refused since start");
}

TEST(SystemdNotifier, WatchdogPingsEveryHeartbeatAtHalfThePeriod) {
    NotifySocket socket;
    ASSERT_TRUE(socket.bound());
    ::setenv("WATCHDOG_USEC", "600000", 1);
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    SystemdNotifier notifier;
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    EXPECT_EQ(notifier.watchdog(), std::chrono::microseconds(600000));
    EXPECT_EQ(notifier.heartbeat_interval(), 300ms);
    notifier.ready({0, 0, 0});
    socket.next();
    notifier.heartbeat({0, 0, 0});
    EXPECT_EQ(socket.next(), "WATCHDOG=1");
    notifier.heartbeat({1, 1, 0});
    EXPECT_EQ(socket.next(),
              "WATCHDOG=1\nSTATUS=1 session open; 1 accepted, 0 turned away since start");
}

TEST(SystemdNotifier, AWatchdogMeantForAnotherProcessIsIgnored) {
    NotifySocket socket;
    ASSERT_TRUE(socket.bound());
    ::setenv("WATCHDOG_USEC", "600000", 1);
    ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
    SystemdNotifier notifier;
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    EXPECT_FALSE(notifier.watchdog().has_value());
    EXPECT_EQ(notifier.heartbeat_interval(), 1000ms);
}

}  // namespace
}  // namespace hellod
