#include "metrics/http_endpoint.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "log/log.hpp"
#include "metrics/scrape_connection.hpp"
#include "net/acceptor.hpp"
#include "net/address.hpp"
#include "text/escape.hpp"
#include "text/strings.hpp"

namespace hellod::metrics {
namespace {

using Clock = std::chrono::steady_clock;

// EMFILE and its kind persist until something closes: waiting beats spinning on poll.
constexpr auto accept_pause = std::chrono::milliseconds(100);
// Per wake-up and listener, so that one busy listener cannot starve the others.
constexpr std::size_t accept_batch = 16;
constexpr auto warning_interval = std::chrono::minutes(1);

using Connection = ScrapeConnection;
using Phase = ScrapeConnection::Phase;

// Says a recurring problem once a minute with how often it happened, not on every occurrence.
struct Throttle {
    Clock::time_point next{};
    std::uint64_t count = 0;
    bool due(Clock::time_point now) {
        ++count;
        if (now < next) return false;
        next = now + warning_interval;
        return true;
    }
};

}  // namespace

class HttpEndpoint::Loop {
  public:
    Loop(std::vector<net::Listener> listeners, Render render, Limits limits)
        : listeners_(std::move(listeners)),
          paused_until_(listeners_.size()),
          slots_(limits.max_connections),
          render_(std::move(render)),
          limits_(limits) {}

    void run(int wakeup);

  private:
    int poll_timeout(Clock::time_point now) const;
    void accept_from(std::size_t index, Clock::time_point now);
    void take(net::UniqueFd fd, std::string peer, Clock::time_point now);
    std::optional<std::size_t> free_slot(Clock::time_point now);
    void expire(Clock::time_point now);
    template <class Step>
    static void guarded(Connection& c, Step step);

    std::vector<net::Listener> listeners_;
    std::vector<Clock::time_point> paused_until_;
    std::vector<std::unique_ptr<Connection>> slots_;  // null or closed: free
    Render render_;
    Limits limits_;
    std::uint64_t serial_ = 0;
    Throttle evictions_;
    Throttle accept_failures_;
    std::vector<pollfd> polls_;  // the wake-up, the listeners, the slots: one index each
};

void HttpEndpoint::Loop::run(int wakeup) {
    for (;;) {
        polls_.assign(1, pollfd{wakeup, POLLIN, 0});
        const auto before = Clock::now();
        for (std::size_t i = 0; i < listeners_.size(); ++i) {
            const bool paused = before < paused_until_[i];
            polls_.push_back({paused ? -1 : listeners_[i].fd.get(), POLLIN, 0});
        }
        for (const auto& c : slots_) {
            const bool open = c && c->open();
            polls_.push_back({open ? c->fd() : -1, open ? c->events() : short{0}, 0});
        }
        if (::poll(polls_.data(), polls_.size(), poll_timeout(before)) < 0 && errno != EINTR) {
            HLOG(warning) << "metrics endpoint: poll failed: " << errno_text(errno);
            ::poll(nullptr, 0, static_cast<int>(accept_pause.count()));
            continue;
        }
        if (polls_[0].revents != 0) return;
        const auto now = Clock::now();
        // Connections before listeners: an accept may evict one, whose events would then be stale.
        const std::size_t first_slot = 1 + listeners_.size();
        for (std::size_t i = 0; i < slots_.size(); ++i)
            if (const auto revents = polls_[first_slot + i].revents; revents != 0)
                guarded(*slots_[i], [&] { slots_[i]->on_event(revents, render_, now); });
        for (std::size_t i = 0; i < listeners_.size(); ++i)
            if (polls_[1 + i].revents != 0) accept_from(i, now);
        expire(Clock::now());
        for (auto& c : slots_)
            if (c && !c->open()) c.reset();  // frees a big response's memory now
    }
}

int HttpEndpoint::Loop::poll_timeout(Clock::time_point now) const {
    std::optional<Clock::time_point> next;
    const auto consider = [&next](Clock::time_point t) { next = next ? std::min(*next, t) : t; };
    for (const auto& until : paused_until_)
        if (until > now) consider(until);
    for (const auto& c : slots_)
        if (c && c->open()) consider(c->deadline());
    if (!next) return -1;
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - now).count();
    return static_cast<int>(std::clamp<decltype(wait)>(wait, 0, INT_MAX));
}

void HttpEndpoint::Loop::accept_from(std::size_t index, Clock::time_point now) {
    for (std::size_t n = 0; n < accept_batch; ++n) {
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        net::UniqueFd fd(::accept4(listeners_[index].fd.get(),
                                   reinterpret_cast<sockaddr*>(&address), &length,
                                   SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (fd) {
            take(std::move(fd), net::to_string(reinterpret_cast<sockaddr*>(&address), length), now);
            continue;
        }
        const int error = errno;
        if (error == EAGAIN || error == EWOULDBLOCK) return;
        if (net::accept_skips_one(error)) continue;
        // EMFILE, ENFILE, ENOBUFS, ENOMEM and the unexpected: they may last, so wait a little.
        paused_until_[index] = now + accept_pause;
        if (accept_failures_.due(now))
            HLOG(warning) << "metrics endpoint: cannot accept on " << listeners_[index].name << ": "
                          << errno_text(error)
                          << "; pausing that listener (failures since the last "
                          << "such line: " << std::exchange(accept_failures_.count, 0) << ")";
        return;
    }
}

void HttpEndpoint::Loop::take(net::UniqueFd fd, std::string peer, Clock::time_point now) {
    const auto slot = free_slot(now);
    if (!slot) {
        HLOG(debug) << "metrics endpoint: every connection is mid-response; closing " << peer;
        return;
    }
    const Connection::Limits limits{limits_.request_timeout, limits_.write_timeout,
                                    limits_.max_request_bytes};
    auto& c = *(slots_[*slot] = std::make_unique<Connection>(std::move(fd), std::move(peer), limits,
                                                             serial_, now));
    HLOG(debug) << "metrics endpoint: connection from " << c.peer();
    guarded(c, [&] { c.on_readable(render_, now); });  // the request often came with it
}

// A free slot, or the one of the connection idle longest (a response already sent, then the
// oldest wait for a request): the newcomer is likelier a real scraper than what waits longest.
std::optional<std::size_t> HttpEndpoint::Loop::free_slot(Clock::time_point now) {
    std::optional<std::size_t> victim;
    const auto key = [this](std::size_t i) {
        return std::pair(slots_[i]->phase() != Phase::lingering, slots_[i]->idle_since());
    };
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (!slots_[i] || !slots_[i]->open()) return i;
        if (slots_[i]->phase() == Phase::writing) continue;
        if (!victim || key(i) < key(*victim)) victim = i;
    }
    if (victim && evictions_.due(now))
        HLOG(warning)
            << "metrics endpoint: more clients than its " << slots_.size()
            << " connections; closed the one idle longest for a newcomer (evictions since "
            << "the last such line: " << std::exchange(evictions_.count, 0) << ")";
    if (victim) slots_[*victim]->close("evicted for a newcomer");
    return victim;
}

void HttpEndpoint::Loop::expire(Clock::time_point now) {
    for (const auto& c : slots_)
        if (c) c->expire(now);
}

// What fails while serving one connection (std::bad_alloc for a page too big) ends that
// connection, not the endpoint.
template <class Step>
void HttpEndpoint::Loop::guarded(Connection& c, Step step) {
    try {
        step();
    } catch (const std::exception& error) {
        HLOG(warning) << "metrics endpoint: " << c.peer() << ": " << escaped(error.what());
        c.close("failed");
    }
}

HttpEndpoint::HttpEndpoint(std::vector<net::Listener> listeners, Render render, Limits limits) {
    loop_ = std::make_unique<Loop>(std::move(listeners), std::move(render), limits);
    thread_ = std::thread([this] {
        try {
            loop_->run(wakeup_.fd());
        } catch (const std::exception& error) {  // std::bad_alloc, most likely
            HLOG(error) << "metrics endpoint: stopped: " << escaped(error.what());
        }
        // Closes the listeners and connections now, not at destruction: a client is refused
        // rather than left waiting in a backlog nobody reads.
        loop_.reset();
    });
}

HttpEndpoint::~HttpEndpoint() {
    stop();
    thread_.join();
}

void HttpEndpoint::stop() noexcept {
    wakeup_.notify();
}

}  // namespace hellod::metrics
