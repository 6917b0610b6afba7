#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace hellod {

// The counts an operator sees in `systemctl status`.
struct ServerStatus {
    std::size_t open = 0;           // sessions open now
    std::uint64_t accepted = 0;     // sessions admitted since start
    std::uint64_t turned_away = 0;  // clients told the server is busy since start
    std::uint64_t refused = 0;      // clients closed unserved by the allow and deny rules
    bool operator==(const ServerStatus&) const = default;
};

// What the accept loop tells the service manager that started it. Every call comes from the
// loop's thread, so a manager that stops hearing heartbeats knows the loop is stuck. This base
// tells no one: it stands for a daemon started by hand.
class ServiceManager {
  public:
    virtual ~ServiceManager() = default;

    // How often the loop should call heartbeat(); nullopt for never, so an unmanaged daemon
    // with nothing to do never wakes up.
    virtual std::optional<std::chrono::milliseconds> heartbeat_interval() const {
        return std::nullopt;
    }
    virtual void ready(const ServerStatus&) {}
    virtual void heartbeat(const ServerStatus&) {}
    virtual void reloading() {}
    virtual void reloaded(const ServerStatus&) {}
    virtual void stopping(const ServerStatus&) {}
};

}  // namespace hellod
