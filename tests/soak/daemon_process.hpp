#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "log_watch.hpp"
#include "net/fd.hpp"

namespace hellod_soak {

// The real hellod binary as our child: forked and exec'd with `args`, stdin from /dev/null,
// stdout and stderr into a pipe that a LogWatch reads (and copies to `log_path`). It gets
// SIGKILL if we die, and here at the end if it is still running; every wait is bounded (a
// pidfd makes its exit an event to wait for).
class DaemonProcess {
  public:
    DaemonProcess(const std::string& binary, const std::vector<std::string>& args,
                  const std::string& log_path);
    DaemonProcess(const DaemonProcess&) = delete;
    DaemonProcess& operator=(const DaemonProcess&) = delete;
    ~DaemonProcess();

    pid_t pid() const { return pid_; }
    void signal(int number) const;
    // The wait status once it has exited (reaped), or nullopt if it still runs after `timeout`.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);
    bool exited() const { return status_.has_value(); }
    LogWatch& log() { return *log_; }

  private:
    pid_t pid_ = -1;
    hellod::net::UniqueFd pidfd_;
    std::optional<int> status_;
    std::unique_ptr<LogWatch> log_;
};

// "exited 0", "exited 3", "killed by signal 9".
std::string describe_status(int status);

}  // namespace hellod_soak
