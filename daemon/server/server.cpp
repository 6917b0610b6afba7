#include "server/server.hpp"

#include <malloc.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "log/log.hpp"
#include "net/address.hpp"
#include "net/socket_ops.hpp"
#include "server/session.hpp"
#include "text/strings.hpp"

namespace hellod {

Server::Server(std::shared_ptr<const Settings> settings, std::vector<net::Listener> listeners)
    : settings_(std::move(settings)),
      acceptor_(std::move(listeners)),
      max_connections_(settings_->max_connections),
      // A thread that ended holds its stack until it is joined: the loop joins it at once.
      workers_(Workers::Options{.on_thread_end = [this] { acceptor_.wake(); }}) {}

Server::~Server() {
    // run() drains; this only covers a Server that was never run or threw mid-way.
    table_.cancel_all();
    table_.cut_all();
    workers_.join_all();
}

// Lock-free atomics, so both are safe in a signal handler.
static_assert(std::atomic<bool>::is_always_lock_free);

void Server::stop() noexcept {
    stop_requested_.store(true);
    acceptor_.wake();
}

void Server::request_reload() noexcept {
    reload_requested_.store(true);
    acceptor_.wake();
}

void Server::run(const sigset_t* wait_mask) {
    using Clock = std::chrono::steady_clock;
    const auto heartbeat = manager_->heartbeat_interval();
    auto next_beat = Clock::now() + heartbeat.value_or(std::chrono::milliseconds::zero());
    manager_->ready(status());
    for (;;) {
        const auto now = Clock::now();
        if (heartbeat && now >= next_beat) {
            manager_->heartbeat(status());
            next_beat = now + *heartbeat;
        }
        const bool paused = now < paused_until_;
        std::optional<Clock::time_point> deadline;
        if (paused) deadline = paused_until_;
        if (heartbeat) deadline = deadline ? std::min(*deadline, next_beat) : next_beat;
        const auto ready = acceptor_.wait(deadline, paused, wait_mask);
        if (ready.error != 0) {
            HLOG(error) << "poll failed: " << errno_text(ready.error) << "; shutting down";
            break;
        }
        if (ready.woken) {
            after_threads_ended(workers_.reap());
            if (stop_requested_.load() || session_over_.load()) break;
            if (reload_requested_.exchange(false)) reload();
            if (auto next = background_reload_.take()) finish_reload(std::move(*next));
        }
        for (const std::size_t listener : ready.listeners)
            accept_from(listener);
    }
    manager_->stopping(status());
    drain();
}

void Server::serve_one(net::UniqueFd fd, const sigset_t* wait_mask) {
    net::Accepted accepted;
    // A peer that is already gone still gets its access line, under an unknown address.
    accepted.peer = net::peer_of(fd.get()).value_or(net::SocketAddress{{}, sizeof(sa_family_t)});
    accepted.fd = std::move(fd);
    one_shot_ = true;
    if (handle(std::move(accepted))) run(wait_mask);
}

void Server::after_threads_ended(std::size_t joined) {
    ended_since_trim_ += joined;
    if (ended_since_trim_ == 0) return;
    // What a burst of sessions freed stays with the allocator, scattered between what is still
    // in use, unless it is handed back. Once the burst is over (no session left, or a thousand
    // threads gone), give back whole free pages; at most once a second, since it walks the heap.
    const auto now = std::chrono::steady_clock::now();
    if ((table_.size() == 0 || ended_since_trim_ >= 1024) &&
        now - last_trim_ >= std::chrono::seconds(1)) {
        ::malloc_trim(0);
        last_trim_ = now;
        ended_since_trim_ = 0;
    }
}

void Server::accept_from(std::size_t listener) {
    const auto outcome =
        acceptor_.accept_batch(listener, [this](net::Accepted c) { handle(std::move(c)); });
    switch (outcome.stop) {
        case net::Acceptor::Stop::drained:
            return;
        case net::Acceptor::Stop::out_of_descriptors:
            out_of_descriptors(listener, outcome.error);
            return;
        case net::Acceptor::Stop::failed:
            HLOG(error) << "accept failed: " << errno_text(outcome.error)
                        << "; pausing accepts for 100 ms";
            back_off(std::chrono::milliseconds(100));
            return;
    }
}

void Server::out_of_descriptors(std::size_t listener, int error) {
    if (const auto unlogged = descriptor_warnings_.occurred(std::chrono::steady_clock::now())) {
        HLOG(warning)
            << "accept failed: " << errno_text(error)
            << "; turning new clients away until descriptors free up (open sessions go on)"
            << unlogged_suffix(*unlogged, "accept failures");
    }
    // Rather than leave the waiting client hanging in the backlog, tell it we are busy.
    const bool spare = acceptor_.turn_away_with_spare(listener, [this](net::Accepted accepted) {
        metrics_.accepted();
        Connection refused;
        refused.metrics = &metrics_;
        refused.peer = net::to_string(accepted.peer.get(), accepted.peer.length);
        refused.fd = std::move(accepted.fd);
        refuse(refused, Refusal::descriptors, "out of file descriptors");
    });
    // Without this pause the loop would spin: the listener stays readable while nothing frees.
    back_off(std::chrono::milliseconds(spare ? 10 : 100));
}

void Server::back_off(std::chrono::milliseconds pause) {
    paused_until_ = std::chrono::steady_clock::now() + pause;
}

bool Server::handle(net::Accepted accepted) {
    metrics_.accepted();
    const sockaddr* const address = accepted.peer.get();
    const socklen_t peer_length = accepted.peer.length;
    // A balancer's connections are judged by the client its PROXY header names, on the worker
    // (the header may take a while).
    const bool header_first = from_balancer(accepted.peer);
    // First of all, so that a refused peer costs no socket option, slot, name lookup or thread.
    if (!header_first) {
        const auto verdict = settings_->access.check(address, peer_length);
        if (!verdict.peer && !settings_->access.empty())
            warn_unmatchable_peer(accepted.peer, verdict.admitted);
        if (!verdict.admitted) {
            refuse_by_rule(std::move(accepted.fd), accepted.peer, verdict);
            return false;
        }
    }
    net::UniqueFd fd = std::move(accepted.fd);
    net::set_no_delay(fd.get());

    auto connection = std::make_unique<Connection>();
    connection->peer = net::to_string(address, peer_length);
    connection->address = accepted.peer;
    connection->settings = settings_;
    connection->metrics = &metrics_;
    if (header_first) connection->gate = this;
    const Settings& settings = *settings_;
    // A balancer speaks for many clients: a burst of their connections, each a moment away from
    // its header, must not be turned away as one address over its limit. Its connections count
    // against its address until then, but only max-connections caps them.
    const auto admission =
        table_.admit(fd.get(), net::address_key(address, peer_length), settings.max_connections,
                     header_first ? 0 : settings.max_connections_per_ip, connection->slot);
    connection->fd = std::move(fd);
    switch (admission) {
        case ConnectionTable::Admission::admitted:
            break;
        case ConnectionTable::Admission::busy_total:
            refuse(*connection, Refusal::busy,
                   "max-connections " + std::to_string(settings.max_connections) + " reached");
            return false;
        case ConnectionTable::Admission::busy_per_ip:
            refuse(*connection, Refusal::per_address,
                   "max-connections-per-ip " + std::to_string(settings.max_connections_per_ip) +
                       " reached");
            return false;
    }
    // Only admitted clients are looked up: a flood of refused ones must not become DNS load.
    if (settings.resolve_peers && !header_first)
        connection->host = resolver_.lookup(address, peer_length);
    HLOG(debug) << "connection from " << connection->peer;
    const bool started = workers_.spawn(connection, [this](std::unique_ptr<Connection> c) {
        serve(std::move(c), table_.cancelled());
        if (one_shot_) {
            session_over_.store(true);
            acceptor_.wake();
        }
    });
    if (!started) {
        if (const auto unlogged = thread_warnings_.occurred(std::chrono::steady_clock::now())) {
            HLOG(warning) << "cannot start a worker thread for " << connection->peer
                          << " (thread or memory limit reached); turning the client away"
                          << unlogged_suffix(*unlogged, "clients turned away for want of a thread");
        }
        connection->slot.release();
        refuse(*connection, Refusal::threads, "no worker thread");
        return false;
    }
    ++accepted_;
    return true;
}

void Server::reload() {
    if (!reload_) return;
    if (background_reload_.running()) {
        // The file may have changed again since that reload read it: read it once more after.
        reload_again_ = true;
        return;
    }
    // The running settings go with it (not a reference to settings_, which this thread may
    // replace meanwhile).
    auto work = [reload = reload_, running = settings_] { return reload(*running); };
    if (!background_reload_.start(std::move(work), [this] { acceptor_.wake(); })) {
        HLOG(error) << "reload failed, still running the previous settings: cannot start a "
                       "thread to read the settings: "
                    << errno_text(errno);
        return;
    }
    manager_->reloading();
}

void Server::finish_reload(std::shared_ptr<const Settings> next) {
    if (next) {
        apply(std::move(next));
        if (reload_applied_) reload_applied_(*settings_);
        reloads_applied_.fetch_add(1, std::memory_order_relaxed);
    } else {
        reloads_failed_.fetch_add(1, std::memory_order_relaxed);
    }
    manager_->reloaded(status());
    reloads_finished_.fetch_add(1, std::memory_order_release);
    if (std::exchange(reload_again_, false)) reload();
}

void Server::apply(std::shared_ptr<const Settings> next) {
    if (next->backlog != settings_->backlog)
        for (const auto& failure : acceptor_.set_backlog(next->backlog))
            HLOG(warning) << failure;
    // Sessions already open hold the settings they started with; only new ones see these.
    settings_ = std::move(next);
    max_connections_.store(settings_->max_connections, std::memory_order_relaxed);
}

void Server::drain() {
    // Closing the listeners first: new clients are refused by the kernel, not left waiting.
    acceptor_.close();
    const std::size_t open = table_.size();
    const auto timeout = settings_->shutdown_timeout;
    // In --inetd mode every session ends this way; the access line already says how it went.
    const bool quiet = one_shot_ && !stop_requested_.load();
    if (!quiet && log::enabled(LogLevel::info)) {
        const log::Field fields[] = {
            log::number_field("sessions_open", open),
            log::seconds_field("shutdown_timeout", std::chrono::duration<double>(timeout).count())};
        log::write(LogLevel::info,
                   "shutting down: " + std::to_string(open) + " session" + (open == 1 ? "" : "s") +
                       " open, waiting up to " + seconds_text(timeout) + " s",
                   fields);
    }
    table_.cancel_all();
    if (!table_.wait_until_empty(std::chrono::steady_clock::now() + timeout)) {
        const std::size_t cut = table_.size();
        const log::Field fields[] = {log::number_field("sessions_cut", cut)};
        log::write(LogLevel::warning,
                   "shutdown-timeout reached: cutting " + std::to_string(cut) + " session(s)",
                   fields);
        table_.cut_all();
    }
    workers_.join_all();
    if (!quiet) HLOG(info) << "stopped";
}

}  // namespace hellod
