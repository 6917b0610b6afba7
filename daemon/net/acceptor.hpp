#pragma once

#include <poll.h>
#include <signal.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "net/address.hpp"
#include "net/fd.hpp"
#include "net/listener.hpp"
#include "net/wakeup.hpp"

namespace hellod::net {

// A connection taken from a listener.
struct Accepted {
    UniqueFd fd;  // close-on-exec, blocking
    SocketAddress peer;
};

// The accepting side of the server: its listeners, the wait for a connection (or a wake-up),
// the accept batch with accept(2)'s errors sorted, and a spare descriptor to turn a client away
// with when no descriptor is left. Used by one thread, but for wake().
class Acceptor {
  public:
    explicit Acceptor(std::vector<Listener> listeners);  // throws net::Error (no eventfd)

    // Ends the current or next wait(). Thread-safe and async-signal-safe.
    void wake() noexcept { wakeup_.notify(); }

    using Clock = std::chrono::steady_clock;
    struct Ready {
        bool woken = false;                      // wake() was called
        std::span<const std::size_t> listeners;  // with connections waiting; valid until next wait
        int error = 0;                           // ppoll failed (not for EINTR)
    };
    // Waits for a wake(), a connection on a listener (unless `paused`: then for the wake-up
    // alone), the deadline, or a signal. `wait_mask` is the signal mask while waiting (ppoll),
    // so that stop signals can stay blocked everywhere else.
    Ready wait(std::optional<Clock::time_point> deadline, bool paused, const sigset_t* wait_mask);

    enum class Stop {
        drained,             // no connection left waiting, or a batch taken (for fairness)
        out_of_descriptors,  // EMFILE or ENFILE: see turn_away_with_spare
        failed,              // an error that may persist; the caller should pause
    };
    struct Outcome {
        Stop stop = Stop::drained;
        int error = 0;
    };
    // Accepts what waits on listener `index`, at most a batch (so that one busy listener cannot
    // starve the others), handing each connection to `take`. A connection that died in the
    // backlog, or a network error accept(2) passes up, is skipped.
    Outcome accept_batch(std::size_t index, const std::function<void(Accepted)>& take);

    // When descriptors ran out: gives up the spare descriptor to take one waiting client off
    // listener `index`, hands it to `turn_away` (which closes it), then takes the spare back.
    // Returns whether a spare is held again (if not, descriptors are still short).
    bool turn_away_with_spare(std::size_t index, const std::function<void(Accepted)>& turn_away);

    // A new backlog, applied to each listener in place (Linux does, with no moment unbound).
    // Returns one sentence per listener that refused it.
    std::vector<std::string> set_backlog(int backlog);

    // Closes the listeners: new clients are refused by the kernel, not left waiting.
    void close() noexcept { listeners_.clear(); }

  private:
    std::vector<Listener> listeners_;
    Wakeup wakeup_;
    UniqueFd spare_;
    std::vector<pollfd> polls_;       // the wake-up, then the listeners
    std::vector<std::size_t> ready_;  // what the last wait() found
};

// Whether an accept(2) failure with `error` concerns that one connection only (it died in the
// backlog, or Linux passed its network error up), so that the next accept may well succeed.
bool accept_skips_one(int error) noexcept;

}  // namespace hellod::net
