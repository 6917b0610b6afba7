#include "os/systemd_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "log/log.hpp"

namespace hellod {
namespace {

// Status changes are shown at most this often; the watchdog may ask for more.
constexpr std::chrono::milliseconds status_interval{1000};

std::string plural(std::uint64_t n, std::string_view word) {
    return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

}  // namespace

SystemdNotifier::SystemdNotifier() {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    active_ = socket != nullptr && *socket != '\0';
    std::uint64_t usec = 0;
    // Checks WATCHDOG_PID against getpid(), so a watchdog meant for a parent is not ours.
    if (active_ && sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
        watchdog_ = std::chrono::microseconds(usec);
}

std::optional<std::chrono::milliseconds> SystemdNotifier::heartbeat_interval() const {
    if (!active_) return std::nullopt;
    if (!watchdog_) return status_interval;
    // Half the watchdog period, as sd_watchdog_enabled(3) advises, so one late wake-up is not
    // yet a missed ping.
    const auto half = std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog_ / 2);
    return std::clamp(half, std::chrono::milliseconds(1), status_interval);
}

std::string SystemdNotifier::describe(const ServerStatus& status) {
    // "refused" only once there is something to count: most daemons have no access rules.
    return plural(status.open, "session") + " open; " + std::to_string(status.accepted) +
           " accepted, " + std::to_string(status.turned_away) + " turned away" +
           (status.refused > 0 ? ", " + std::to_string(status.refused) + " refused" : "") +
           " since start";
}

void SystemdNotifier::send(std::string_view state) {
    if (!active_) return;
    const std::string text(state);
    const int result = sd_notify(0, text.c_str());
    if (result < 0 && !warned_) {
        warned_ = true;  // once: the journal should not fill with the same complaint
        HLOG(warning) << "cannot notify systemd through NOTIFY_SOCKET: " << std::strerror(-result);
    }
}

void SystemdNotifier::ready(const ServerStatus& status) {
    last_status_ = status;
    send("READY=1\nSTATUS=" + describe(status));
}

void SystemdNotifier::heartbeat(const ServerStatus& status) {
    std::string state;
    if (watchdog_) state = "WATCHDOG=1";
    if (status != last_status_) {
        last_status_ = status;
        state += (state.empty() ? "" : "\n") + ("STATUS=" + describe(status));
    }
    if (!state.empty()) send(state);
}

void SystemdNotifier::reloading() {
    // MONOTONIC_USEC lets a systemd with Type=notify-reload match this to its reload request.
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const auto usec = static_cast<std::uint64_t>(now.tv_sec) * 1'000'000u +
                      static_cast<std::uint64_t>(now.tv_nsec) / 1'000u;
    send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\nSTATUS=Reloading the settings");
}

void SystemdNotifier::reloaded(const ServerStatus& status) {
    last_status_ = status;
    send("READY=1\nSTATUS=" + describe(status));
}

void SystemdNotifier::stopping(const ServerStatus& status) {
    send("STOPPING=1\nSTATUS=Stopping: waiting for " + plural(status.open, "session"));
}

}  // namespace hellod
