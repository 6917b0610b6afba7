#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "os/service_manager.hpp"

namespace hellod {

// Tells systemd about the daemon's state over NOTIFY_SOCKET (sd_notify(3)): READY=1 once it
// serves, STATUS= with the live counts, RELOADING=1 and READY=1 around a reload, STOPPING=1,
// and WATCHDOG=1 when the unit has WatchdogSec=. Without NOTIFY_SOCKET it does nothing.
class SystemdNotifier final : public ServiceManager {
  public:
    SystemdNotifier();  // reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID

    bool active() const noexcept { return active_; }
    std::optional<std::chrono::microseconds> watchdog() const noexcept { return watchdog_; }

    std::optional<std::chrono::milliseconds> heartbeat_interval() const override;
    void ready(const ServerStatus& status) override;
    void heartbeat(const ServerStatus& status) override;
    void reloading() override;
    void reloaded(const ServerStatus& status) override;
    void stopping(const ServerStatus& status) override;

    // "STATUS=..." text, e.g. "3 sessions open; 120 accepted, 2 turned away since start", with
    // ", 7 refused" (by the allow and deny rules) before "since start" once there are any.
    static std::string describe(const ServerStatus& status);

  private:
    void send(std::string_view state);

    bool active_ = false;
    std::optional<std::chrono::microseconds> watchdog_;
    std::optional<ServerStatus> last_status_;
    bool warned_ = false;
};

}  // namespace hellod
