#pragma once

#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "connection_table.hpp"
#include "net/fd.hpp"
#include "net/listener.hpp"
#include "peer_resolver.hpp"
#include "settings.hpp"
#include "workers.hpp"

namespace hellod {

// The acceptor: one loop over every listener that hands each accepted socket to a worker
// thread of its own, enforces the connection limits, and on stop() drains the sessions.
class Server {
  public:
    Server(std::shared_ptr<const Settings> settings, std::vector<net::Listener> listeners);
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    ~Server();

    // Accepts until stop(), then: closes the listeners, sends every session the shutdown line,
    // waits up to shutdown-timeout for them to end, cuts the rest, and joins every worker.
    // `wait_mask`, when given, is the signal mask in force while the loop waits (ppoll), so the
    // caller can keep its stop signals blocked everywhere else.
    void run(const sigset_t* wait_mask = nullptr);

    // Asks run() to stop. Thread-safe and async-signal-safe.
    void stop() noexcept;

    // Given the running settings, returns the settings for sessions that start from now on, or
    // nullptr to keep the running ones. Called on run()'s thread, between accepts.
    using Reload = std::function<std::shared_ptr<const Settings>(const Settings& running)>;
    void on_reload(Reload reload) { reload_ = std::move(reload); }
    // Asks run() to call the reload function. Thread-safe and async-signal-safe.
    void request_reload() noexcept;

    std::shared_ptr<const Settings> settings() const { return settings_; }

    std::size_t live_connections() const { return table_.size(); }
    std::size_t worker_threads() const { return workers_.running(); }

  private:
    void accept_from(int listen_fd);
    void handle(net::UniqueFd fd, const sockaddr_storage& peer, socklen_t peer_length);
    void out_of_descriptors(int listen_fd, int error);
    void back_off(std::chrono::milliseconds pause);
    void reload();
    void drain();

    std::shared_ptr<const Settings> settings_;
    std::vector<net::Listener> listeners_;
    Reload reload_;
    net::UniqueFd wake_;  // eventfd written by stop() and request_reload()
    std::atomic<bool> stop_requested_{false};
    std::atomic<bool> reload_requested_{false};
    net::UniqueFd reserve_;  // spare descriptor, given up to refuse a client when none are left
    ConnectionTable table_;
    PeerResolver resolver_;  // starts its threads only when --resolve-peers first needs them
    Workers workers_;        // declared last: joined before anything its workers use goes
    std::chrono::steady_clock::time_point paused_until_{};
    std::chrono::steady_clock::time_point last_exhaustion_warning_{};
};

}  // namespace hellod
