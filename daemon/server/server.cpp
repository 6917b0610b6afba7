#include "server/server.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>

#include "log/log.hpp"
#include "net/address.hpp"
#include "server/session.hpp"
#include "text/strings.hpp"

namespace hellod {
namespace {

// Accepts per listener per wake-up, so one busy listener cannot starve the others.
constexpr int accept_batch = 64;

// write(2) on an eventfd is async-signal-safe; a full counter still leaves it readable.
void wake(int eventfd) noexcept {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto ignored = ::write(eventfd, &one, sizeof one);
}

}  // namespace

Server::Server(std::shared_ptr<const Settings> settings, std::vector<net::Listener> listeners)
    : settings_(std::move(settings)),
      listeners_(std::move(listeners)),
      wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      reserve_(::open("/dev/null", O_RDONLY | O_CLOEXEC)),
      // A thread that ended holds its stack until it is joined: the loop joins it at once.
      workers_(Workers::Options{.on_thread_end = [this] { wake(wake_.get()); }}) {
    if (!wake_) throw std::system_error(errno, std::generic_category(), "cannot create an eventfd");
}

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
    wake(wake_.get());
}

void Server::request_reload() noexcept {
    reload_requested_.store(true);
    wake(wake_.get());
}

void Server::run(const sigset_t* wait_mask) {
    using Clock = std::chrono::steady_clock;
    const auto heartbeat = manager_->heartbeat_interval();
    auto next_beat = Clock::now() + heartbeat.value_or(std::chrono::milliseconds::zero());
    manager_->ready(status());
    std::vector<pollfd> fds;
    for (;;) {
        auto now = Clock::now();
        if (heartbeat && now >= next_beat) {
            manager_->heartbeat(status());
            next_beat = now + *heartbeat;
        }
        const bool paused = now < paused_until_;
        fds.clear();
        fds.push_back({wake_.get(), POLLIN, 0});
        if (!paused)
            for (const auto& listener : listeners_)
                fds.push_back({listener.fd.get(), POLLIN, 0});
        std::optional<Clock::time_point> deadline;
        if (paused) deadline = paused_until_;
        if (heartbeat) deadline = deadline ? std::min(*deadline, next_beat) : next_beat;
        timespec timeout{};
        if (deadline) {
            const auto left =
                std::chrono::duration_cast<std::chrono::nanoseconds>(*deadline - now).count();
            timeout.tv_sec = static_cast<time_t>(left / 1'000'000'000);
            timeout.tv_nsec = static_cast<long>(left % 1'000'000'000);
        }
        const int ready = ::ppoll(fds.data(), fds.size(), deadline ? &timeout : nullptr, wait_mask);
        if (ready < 0) {
            if (errno == EINTR) continue;  // a signal whose handler called stop(): wake_ is set
            const int error = errno;
            HLOG(error) << "poll failed: " << errno_text(error) << "; shutting down";
            break;
        }
        if (fds[0].revents != 0) {
            std::uint64_t count = 0;
            [[maybe_unused]] const auto drained = ::read(wake_.get(), &count, sizeof count);
            after_threads_ended(workers_.reap());
            if (stop_requested_.load() || session_over_.load()) break;
            if (reload_requested_.exchange(false)) reload();
        }
        for (std::size_t i = 1; i < fds.size(); ++i)
            if (fds[i].revents != 0) accept_from(fds[i].fd);
    }
    manager_->stopping(status());
    drain();
}

void Server::serve_one(net::UniqueFd fd, const sigset_t* wait_mask) {
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    if (::getpeername(fd.get(), reinterpret_cast<sockaddr*>(&peer), &length) != 0) {
        // A peer that is already gone still gets its access line, under an unknown address.
        peer = {};
        length = sizeof(sa_family_t);
    }
    one_shot_ = true;
    if (handle(std::move(fd), peer, length)) run(wait_mask);
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

ServerStatus Server::status() const {
    return {table_.size(), accepted_, turned_away_, refused_};
}

void Server::accept_from(int listen_fd) {
    for (int i = 0; i < accept_batch; ++i) {
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        const int fd =
            ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
        if (fd >= 0) {
            handle(net::UniqueFd(fd), peer, length);
            continue;
        }
        const int error = errno;  // before anything below can overwrite it
        switch (error) {
            case EAGAIN:
                return;
            // The connection died in the backlog, or Linux passes a network error up to
            // accept(); either way the next one is fine.
            case EINTR:
            case ECONNABORTED:
            case EPROTO:
            case ENETDOWN:
            case ENOPROTOOPT:
            case EHOSTDOWN:
            case ENONET:
            case EHOSTUNREACH:
            case EOPNOTSUPP:
            case ENETUNREACH:
            case EPERM:
                continue;
            case EMFILE:
            case ENFILE:
                out_of_descriptors(listen_fd, error);
                return;
            default:
                HLOG(error) << "accept failed: " << errno_text(error)
                            << "; pausing accepts for 100 ms";
                back_off(std::chrono::milliseconds(100));
                return;
        }
    }
}

void Server::out_of_descriptors(int listen_fd, int error) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_exhaustion_warning_ > std::chrono::seconds(10)) {
        last_exhaustion_warning_ = now;
        HLOG(warning)
            << "accept failed: " << errno_text(error)
            << "; turning new clients away until descriptors free up (open sessions go on)";
    }
    // Give up the spare descriptor to take the waiting client and tell it we are busy, rather
    // than leave it hanging in the backlog; then take the spare back.
    if (reserve_) {
        reserve_.reset();
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        net::UniqueFd fd(
            ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC));
        if (fd) {
            Connection refused;
            refused.peer = net::to_string(reinterpret_cast<const sockaddr*>(&peer), length);
            refused.fd = std::move(fd);
            refuse(refused, "out of file descriptors");
        }
        reserve_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    }
    // Without this pause the loop would spin: the listener stays readable while nothing frees.
    back_off(std::chrono::milliseconds(reserve_ ? 10 : 100));
}

void Server::back_off(std::chrono::milliseconds pause) {
    paused_until_ = std::chrono::steady_clock::now() + pause;
}

bool Server::handle(net::UniqueFd fd, const sockaddr_storage& peer, socklen_t peer_length) {
    const auto* address = reinterpret_cast<const sockaddr*>(&peer);
    // First of all, so that a refused peer costs no socket option, slot, name lookup or thread.
    if (const auto verdict = settings_->access.check(address, peer_length); !verdict.admitted) {
        refuse_by_rule(std::move(fd), verdict, address, peer_length);
        return false;
    }
    // Replies are already coalesced into one write each; Nagle would only delay them.
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    auto connection = std::make_unique<Connection>();
    connection->peer = net::to_string(address, peer_length);
    connection->settings = settings_;
    const Settings& settings = *settings_;
    const auto admission =
        table_.admit(fd.get(), net::address_key(address, peer_length), settings.max_connections,
                     settings.max_connections_per_ip, connection->slot);
    connection->fd = std::move(fd);
    switch (admission) {
        case ConnectionTable::Admission::admitted:
            break;
        case ConnectionTable::Admission::busy_total:
            refuse(*connection,
                   "max-connections " + std::to_string(settings.max_connections) + " reached");
            return false;
        case ConnectionTable::Admission::busy_per_ip:
            refuse(*connection, "max-connections-per-ip " +
                                    std::to_string(settings.max_connections_per_ip) + " reached");
            return false;
    }
    // Only admitted clients are looked up: a flood of refused ones must not become DNS load.
    if (settings.resolve_peers) connection->host = resolver_.lookup(address, peer_length);
    HLOG(debug) << "connection from " << connection->peer;
    const bool started = workers_.spawn(connection, [this](std::unique_ptr<Connection> c) {
        serve(std::move(c), table_.cancelled());
        if (one_shot_) {
            session_over_.store(true);
            wake(wake_.get());
        }
    });
    if (!started) {
        HLOG(warning) << "cannot start a worker thread for " << connection->peer
                      << " (thread or memory limit reached); turning the client away";
        connection->slot.release();
        refuse(*connection, "no worker thread");
        return false;
    }
    ++accepted_;
    return true;
}

void Server::refuse_by_rule(net::UniqueFd fd, const AccessRules::Verdict& verdict,
                            const sockaddr* peer, socklen_t peer_length) {
    ++refused_;
    // Closed with a reset (SO_LINGER 0), not an orderly close: the server keeps no TIME_WAIT or
    // FIN_WAIT socket for a peer it wants nothing to do with, which matters when a refused peer
    // floods; and it is what the peer would see anyway whenever it had sent anything, since
    // Linux resets a socket closed with unread input. Not a byte is written.
    linger reset{};
    reset.l_onoff = 1;
    reset.l_linger = 0;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    fd.reset();
    if (const auto report = refusals_.refused(*verdict.peer, std::chrono::steady_clock::now())) {
        if (log::enabled(report->level)) {
            log::write(report->level, refusal_line(net::host_to_string(peer, peer_length),
                                                   reason(verdict), *report, refusals_.capacity()));
        }
    }
}

void Server::refuse(Connection& connection, std::string_view why) {
    ++turned_away_;
    turn_away(connection, why);
}

void Server::reload() {
    if (!reload_) return;
    manager_->reloading();
    auto next = reload_(*settings_);
    if (next) apply(std::move(next));
    manager_->reloaded(status());
}

void Server::apply(std::shared_ptr<const Settings> next) {
    if (next->backlog != settings_->backlog) {
        // Linux applies a new backlog to a listening socket in place, with no moment unbound.
        for (const auto& listener : listeners_) {
            if (::listen(listener.fd.get(), next->backlog) != 0) {
                const int error = errno;
                HLOG(warning) << "cannot apply backlog " << next->backlog << " to " << listener.name
                              << ": " << errno_text(error);
            }
        }
    }
    // Sessions already open hold the settings they started with; only new ones see these.
    settings_ = std::move(next);
}

void Server::drain() {
    // Closing the listeners first: new clients are refused by the kernel, not left waiting.
    listeners_.clear();
    const std::size_t open = table_.size();
    const auto timeout = settings_->shutdown_timeout;
    // In --inetd mode every session ends this way; the access line already says how it went.
    const bool quiet = one_shot_ && !stop_requested_.load();
    if (!quiet)
        HLOG(info) << "shutting down: " << open << " session" << (open == 1 ? "" : "s")
                   << " open, waiting up to " << seconds_text(timeout) << " s";
    table_.cancel_all();
    if (!table_.wait_until_empty(std::chrono::steady_clock::now() + timeout)) {
        HLOG(warning) << "shutdown-timeout reached: cutting " << table_.size() << " session(s)";
        table_.cut_all();
    }
    workers_.join_all();
    if (!quiet) HLOG(info) << "stopped";
}

}  // namespace hellod
