#pragma once

#include "net/fd.hpp"

namespace hellod::net {

// An eventfd that wakes a poll loop from another thread or a signal handler.
class Wakeup {
  public:
    Wakeup();  // throws net::Error when the system has no eventfd to give

    // Makes the descriptor readable until clear(). Async-signal-safe (a write(2)).
    void notify() noexcept;
    void clear() noexcept;
    int fd() const noexcept { return fd_.get(); }

  private:
    UniqueFd fd_;
};

}  // namespace hellod::net
