#pragma once

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "config/settings.hpp"
#include "net/acceptor.hpp"
#include "net/fd.hpp"
#include "net/listener.hpp"
#include "os/service_manager.hpp"
#include "server/background_reload.hpp"
#include "server/connection_table.hpp"
#include "server/peer_resolver.hpp"
#include "server/proxy_header_reader.hpp"
#include "server/refusal_log.hpp"
#include "server/server_metrics.hpp"
#include "server/session.hpp"
#include "server/warning_limiter.hpp"
#include "server/workers.hpp"

namespace hellod {

// The acceptor: one loop over every listener that hands each accepted socket to a worker
// thread of its own, enforces the connection limits, and on stop() drains the sessions.
class Server : private ClientGate {
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

    // For --inetd: serves the one connected socket `fd` as if it had just been accepted, and
    // returns once that session has ended (or, after stop(), has been drained like any other).
    void serve_one(net::UniqueFd fd, const sigset_t* wait_mask = nullptr);

    // Who hears about readiness, reloads, stopping and the live counts; by default no one.
    // Set it before run().
    void set_service_manager(ServiceManager& manager) { manager_ = &manager; }

    // Asks run() to stop. Thread-safe and async-signal-safe.
    void stop() noexcept;

    // Given the running settings, returns the settings for sessions that start from now on, or
    // nullptr to keep the running ones. Called on a thread of its own (see BackgroundReload),
    // so that reading the settings never holds up accepts; run()'s thread applies the result.
    using Reload = std::function<std::shared_ptr<const Settings>(const Settings& running)>;
    void on_reload(Reload reload) { reload_ = std::move(reload); }
    // Called on run()'s thread with the new settings once a reload has been applied.
    void on_reload_applied(std::function<void(const Settings&)> applied) {
        reload_applied_ = std::move(applied);
    }
    // Asks run() to call the reload function. Thread-safe and async-signal-safe. Requests that
    // come while a reload runs make one more reload after it.
    void request_reload() noexcept;
    // Reloads finished (applied, or failed and the running settings kept) since start.
    std::uint64_t reloads_finished() const noexcept {
        return reloads_finished_.load(std::memory_order_acquire);
    }

    std::shared_ptr<const Settings> settings() const { return settings_; }

    std::size_t live_connections() const { return table_.size(); }
    std::size_t worker_threads() const { return workers_.running(); }

    // What a scrape of the metrics shows; any thread.
    struct Gauges {
        std::size_t open = 0;
        std::size_t max_connections = 0;
        std::size_t workers_running = 0;
        std::size_t workers_parked = 0;
        std::uint64_t workers_started = 0;
        std::uint64_t reloads_applied = 0;
        std::uint64_t reloads_failed = 0;
    };
    Gauges gauges() const;
    const ServerMetrics& metrics() const noexcept { return metrics_; }

  private:
    ServerStatus status() const;  // on run()'s thread only: it alone counts
    void accept_from(std::size_t listener);
    // Returns whether a worker took the connection.
    bool handle(net::Accepted accepted);
    // Whether `peer` is a balancer of proxy-protocol-from.
    bool from_balancer(const net::SocketAddress& peer) const;
    // On a worker's thread, once a balancer's PROXY header has come or has not (ClientGate).
    bool admit(Connection& connection, const ProxyHeaderRead& read) override;
    void bad_header(const Connection& connection, std::string_view problem);
    // For a peer the allow and deny rules refuse: closes it unserved, counts and maybe logs it.
    // `via` is the balancer it came through, if any. Any thread.
    void refuse_by_rule(net::UniqueFd fd, const net::SocketAddress& peer,
                        const AccessRules::Verdict& verdict, std::string_view via = {});
    void refuse(Connection& connection, Refusal reason, std::string_view why);
    // Once per process: a peer without an IP address met allow or deny rules, which cannot
    // match it (so it was refused by an allow list, or admitted past deny rules).
    void warn_unmatchable_peer(const net::SocketAddress& peer, bool admitted);
    void out_of_descriptors(std::size_t listener, int error);
    void back_off(std::chrono::milliseconds pause);
    void after_threads_ended(std::size_t joined);
    void reload();
    void finish_reload(std::shared_ptr<const Settings> next);
    void apply(std::shared_ptr<const Settings> next);
    void drain();

    std::shared_ptr<const Settings> settings_;
    net::Acceptor acceptor_;
    Reload reload_;
    std::function<void(const Settings&)> reload_applied_;
    BackgroundReload background_reload_;  // after acceptor_, which its thread wakes
    bool reload_again_ = false;           // run()'s thread only
    std::atomic<std::uint64_t> reloads_finished_{0};
    ServiceManager unmanaged_;
    ServiceManager* manager_ = &unmanaged_;
    bool one_shot_ = false;                  // serve_one(): the loop ends with the session
    std::atomic<bool> session_over_{false};  // set by serve_one()'s worker as it finishes
    std::uint64_t accepted_ = 0;             // sessions handed to a worker; run()'s thread only
    // Refusals and ended sessions, counted by the acceptor and the workers alike.
    ServerMetrics metrics_;
    std::atomic<std::size_t> max_connections_;  // settings_'s, for a scrape on another thread
    std::atomic<std::uint64_t> reloads_applied_{0};
    std::atomic<std::uint64_t> reloads_failed_{0};
    // Locked only to log a refusal: the accept path of an admitted client never takes it.
    std::mutex refusals_mutex_;
    RefusalLog refusals_;        // by the allow and deny rules, per client address
    RefusalLog bad_header_log_;  // per balancer address
    std::once_flag unmatchable_peer_warned_;
    std::atomic<bool> stop_requested_{false};
    std::atomic<bool> reload_requested_{false};
    ConnectionTable table_;
    PeerResolver resolver_;  // starts its threads only when --resolve-peers first needs them
    Workers workers_;        // declared last: joined before anything its workers use goes
    std::chrono::steady_clock::time_point paused_until_{};
    // Ten seconds: these last while the limit does, and a line a client would flood the log.
    WarningLimiter descriptor_warnings_{std::chrono::seconds(10)};
    WarningLimiter thread_warnings_{std::chrono::seconds(10)};
    std::size_t ended_since_trim_ = 0;  // worker threads joined since the last malloc_trim
    std::chrono::steady_clock::time_point last_trim_{};
};

}  // namespace hellod
