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
#include "metrics/http_exchange.hpp"
#include "net/acceptor.hpp"
#include "net/address.hpp"
#include "net/socket_ops.hpp"
#include "text/escape.hpp"
#include "text/strings.hpp"

namespace hellod::metrics {
namespace {

using Clock = std::chrono::steady_clock;

// After a response that ends the connection the client may still be sending (the rest of a
// header too large, a body): closing at once would answer those bytes with a reset that can
// destroy the response before the client reads it. So the endpoint shuts its side and reads
// and drops what still comes, for a while.
constexpr auto linger_time = std::chrono::seconds(1);
constexpr std::size_t linger_bytes = 64 * 1024;
// EMFILE and its kind persist until something closes: waiting beats spinning on poll.
constexpr auto accept_pause = std::chrono::milliseconds(100);
// Per wake-up and listener, so that one busy listener cannot starve the others.
constexpr std::size_t accept_batch = 16;
constexpr auto warning_interval = std::chrono::minutes(1);

enum class Phase { reading, writing, lingering, closed };

struct Connection {
    net::UniqueFd fd;
    std::string peer;
    Phase phase = Phase::reading;
    std::unique_ptr<HttpExchange> exchange;
    std::string in;  // received, not yet parsed: a partial or a pipelined request
    std::string out;
    std::size_t sent = 0;
    bool close_after = false;
    std::size_t dropped = 0;  // bytes read and thrown away while lingering
    Clock::time_point deadline;
    std::uint64_t idle_since = 0;  // a serial, not a time: the order of idleness must be strict
};

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
    void on_event(Connection& c, short revents, Clock::time_point now);
    void on_readable(Connection& c, Clock::time_point now);
    void serve(Connection& c, Clock::time_point now);
    bool parse(Connection& c, Clock::time_point now);
    void start_response(Connection& c, std::string bytes, bool close, Clock::time_point now);
    void write_out(Connection& c, Clock::time_point now);
    void expire(Clock::time_point now);
    static void close(Connection& c, std::string_view why, bool reset = false);
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
            const bool open = c && c->phase != Phase::closed;
            const short events = open && c->phase == Phase::writing ? POLLOUT : POLLIN;
            polls_.push_back({open ? c->fd.get() : -1, events, 0});
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
                guarded(*slots_[i], [&] { on_event(*slots_[i], revents, now); });
        for (std::size_t i = 0; i < listeners_.size(); ++i)
            if (polls_[1 + i].revents != 0) accept_from(i, now);
        expire(Clock::now());
        for (auto& c : slots_)
            if (c && c->phase == Phase::closed) c.reset();  // frees a big response's memory now
    }
}

int HttpEndpoint::Loop::poll_timeout(Clock::time_point now) const {
    std::optional<Clock::time_point> next;
    const auto consider = [&next](Clock::time_point t) { next = next ? std::min(*next, t) : t; };
    for (const auto& until : paused_until_)
        if (until > now) consider(until);
    for (const auto& c : slots_)
        if (c && c->phase != Phase::closed) consider(c->deadline);
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
    auto& c = *(slots_[*slot] = std::make_unique<Connection>());
    c.fd = std::move(fd);
    c.peer = std::move(peer);
    c.exchange = std::make_unique<HttpExchange>(limits_.max_request_bytes);
    c.deadline = now + limits_.request_timeout;
    c.idle_since = ++serial_;
    HLOG(debug) << "metrics endpoint: connection from " << c.peer;
    guarded(c, [&] { on_readable(c, now); });  // the request often came with the connection
}

// A free slot, or the one of the connection idle longest (a response already sent, then the
// oldest wait for a request): the newcomer is likelier a real scraper than what waits longest.
std::optional<std::size_t> HttpEndpoint::Loop::free_slot(Clock::time_point now) {
    std::optional<std::size_t> victim;
    const auto key = [this](std::size_t i) {
        return std::pair(slots_[i]->phase != Phase::lingering, slots_[i]->idle_since);
    };
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (!slots_[i] || slots_[i]->phase == Phase::closed) return i;
        if (slots_[i]->phase == Phase::writing) continue;
        if (!victim || key(i) < key(*victim)) victim = i;
    }
    if (victim && evictions_.due(now))
        HLOG(warning)
            << "metrics endpoint: more clients than its " << slots_.size()
            << " connections; closed the one idle longest for a newcomer (evictions since "
            << "the last such line: " << std::exchange(evictions_.count, 0) << ")";
    if (victim) close(*slots_[*victim], "evicted for a newcomer");
    return victim;
}

void HttpEndpoint::Loop::on_event(Connection& c, short revents, Clock::time_point now) {
    if (c.phase == Phase::writing) {
        write_out(c, now);
        serve(c, now);  // a pipelined request may wait behind the response just finished
    } else if (c.phase != Phase::closed && (revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
        on_readable(c, now);
    }
}

void HttpEndpoint::Loop::on_readable(Connection& c, Clock::time_point now) {
    char buffer[4096];
    const ssize_t n = ::recv(c.fd.get(), buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) return close(c, n == 0 ? "closed by the client" : errno_text(errno));
    if (c.phase == Phase::lingering) {
        c.dropped += static_cast<std::size_t>(n);
        if (c.dropped > linger_bytes) close(c, "still sending after the last response");
        return;
    }
    c.in.append(buffer, static_cast<std::size_t>(n));
    serve(c, now);
}

// Answers the requests buffered, one after the other, while each answer goes out at once.
void HttpEndpoint::Loop::serve(Connection& c, Clock::time_point now) {
    while (c.phase == Phase::reading && !c.in.empty() && parse(c, now)) {
    }
}

// Feeds the exchange what came; answers when a whole request is there. Returns whether it did.
bool HttpEndpoint::Loop::parse(Connection& c, Clock::time_point now) {
    auto answer = c.exchange->next(c.in, render_, c.peer);
    if (!answer) return false;
    start_response(c, std::move(answer->bytes), answer->close, now);
    return true;
}

void HttpEndpoint::Loop::start_response(Connection& c, std::string bytes, bool close,
                                        Clock::time_point now) {
    c.phase = Phase::writing;
    c.out = std::move(bytes);
    c.sent = 0;
    c.close_after = close;
    c.deadline = now + limits_.write_timeout;
    write_out(c, now);
}

void HttpEndpoint::Loop::write_out(Connection& c, Clock::time_point now) {
    while (c.sent < c.out.size()) {
        const ssize_t n =
            ::send(c.fd.get(), c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
        if (n > 0) {
            c.sent += static_cast<std::size_t>(n);
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;  // POLLOUT brings the loop back
        } else if (errno != EINTR) {
            return close(c, errno_text(errno));
        }
    }
    c.out = std::string();  // not clear(): a big page's memory goes back now
    c.sent = 0;
    c.idle_since = ++serial_;
    if (c.close_after) {
        ::shutdown(c.fd.get(), SHUT_WR);
        c.phase = Phase::lingering;
        c.deadline = now + linger_time;
    } else {
        c.phase = Phase::reading;
        c.deadline = now + limits_.request_timeout;  // also bounds an idle keep-alive
    }
}

void HttpEndpoint::Loop::expire(Clock::time_point now) {
    for (const auto& c : slots_) {
        if (!c || c->phase == Phase::closed || c->deadline > now) continue;
        if (c->phase == Phase::reading)
            close(*c, "no whole request in time");
        else if (c->phase == Phase::writing)
            close(*c, "the response was not taken in time", true);
        else
            close(*c, "lingered enough");
    }
}

// What fails while serving one connection (std::bad_alloc for a page too big) ends that
// connection, not the endpoint.
template <class Step>
void HttpEndpoint::Loop::guarded(Connection& c, Step step) {
    try {
        step();
    } catch (const std::exception& error) {
        HLOG(warning) << "metrics endpoint: " << c.peer << ": " << escaped(error.what());
        close(c, "failed");
    }
}

void HttpEndpoint::Loop::close(Connection& c, std::string_view why, bool reset) {
    HLOG(debug) << "metrics endpoint: closing " << c.peer << ": " << why;
    // Unless reset, what the client would not read stays queued in the kernel after close(2).
    if (reset) net::close_with_reset(std::move(c.fd));
    c.fd.reset();
    c.phase = Phase::closed;
}

HttpEndpoint::HttpEndpoint(std::vector<net::Listener> listeners, Render render, Limits limits) {
    for (const auto& listener : listeners)
        names_.push_back(listener.name);
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
