#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/fd.hpp"

namespace hellod_soak {

// What the daemon's log said, as far as the soak checks it.
struct LogCounts {
    std::optional<unsigned> port;  // from the start-up line
    std::uint64_t lines = 0;
    std::uint64_t reloads = 0;                      // "reloaded ..." lines
    std::uint64_t reload_failures = 0;              // "reload failed ..." lines
    std::uint64_t access = 0;                       // one per session
    std::map<std::string, std::uint64_t> ends;      // access lines by end=
    std::uint64_t warnings = 0;                     // after the start-up line
    std::uint64_t errors = 0;                       // and sanitizer reports
    std::vector<std::string> notable;               // the first warning and error lines
    std::optional<std::uint64_t> open_at_shutdown;  // "shutting down: N sessions open"
    std::optional<std::uint64_t> cut_at_shutdown;   // "cutting N session(s)"
    bool stopped = false;                           // "stopped": the drain finished
    bool closed = false;                            // the log pipe closed: the daemon has exited
};

// Reads the daemon's stderr from a pipe on a thread of its own, so the daemon never blocks on
// its log: every line goes to a file (for a post-mortem) and is counted.
class LogWatch {
  public:
    LogWatch(hellod::net::UniqueFd pipe, std::string path);
    LogWatch(const LogWatch&) = delete;
    LogWatch& operator=(const LogWatch&) = delete;
    ~LogWatch();  // joins: the pipe closes when the daemon exits

    LogCounts counts() const;
    // Waits until `ready(counts)` holds or `timeout` passes; returns whether it holds.
    bool wait_for(const std::function<bool(const LogCounts&)>& ready,
                  std::chrono::milliseconds timeout) const;
    std::vector<std::string> last_lines() const;
    const std::string& path() const { return path_; }

  private:
    void run();
    void line(std::string_view text);

    hellod::net::UniqueFd pipe_;
    std::string path_;
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    LogCounts counts_;
    std::deque<std::string> last_;
    std::thread thread_;  // last: started once everything it uses exists
};

}  // namespace hellod_soak
