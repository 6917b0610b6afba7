#include "load_engine.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "clock.hpp"
#include "proc_stats.hpp"
#include "proxy_header.hpp"
#include "signals.hpp"

namespace hellod_bench {

namespace {

constexpr std::int64_t kRetryDelayNs = 10'000'000;  // after a failed connection
constexpr int kSweepMs = 50;                        // timeout checks

std::uint64_t key_of(int i, std::uint32_t gen) {
    return (static_cast<std::uint64_t>(gen) << 32) | static_cast<std::uint32_t>(i);
}

}  // namespace

LoadEngine::LoadEngine(const Options& options, const Target& target)
    : opt_(options),
      target_(target),
      script_(make_script(options.protocol, options.line)),
      epoll_(epoll_create1(EPOLL_CLOEXEC)),
      conns_(static_cast<std::size_t>(options.conns)) {
    if (!epoll_) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
    for (int i = 0; i < opt_.conns; ++i)
        open_queue_.push_back(i);
}

LoadResult LoadEngine::run() {
    switch (opt_.mode) {
        case Mode::pingpong:
            return run_pingpong();
        case Mode::churn:
            return run_churn();
        default:
            return run_hold();
    }
}

// ---- the phases of each mode ------------------------------------------------------------

LoadResult LoadEngine::run_pingpong() {
    const auto start = now_ns();
    loop(start + seconds_to_ns(opt_.setup_timeout), [&] {
        // Everyone up, or nobody up after a whole connect timeout: the server is not there.
        return up_ == opt_.conns ||
               (up_ == 0 && now_ns() - start > seconds_to_ns(opt_.connect_timeout));
    });
    if (up_ < opt_.conns)
        std::fprintf(stderr, "hellod-bench: only %d of %d connections up\n", up_, opt_.conns);
    LoadResult r;
    r.established = up_;
    requests_flowing_ = true;
    const auto t = now_ns();
    for (int i = 0; i < opt_.conns; ++i)
        if (conns_[i].state == State::ready) send_line(i, script_.request, State::await_reply, t);
    if (opt_.warmup > 0) loop(now_ns() + seconds_to_ns(opt_.warmup), nullptr);
    begin_measure();
    loop(measure_start_ + seconds_to_ns(opt_.duration), nullptr);
    end_measure(r);
    return r;
}

LoadResult LoadEngine::run_churn() {
    if (opt_.warmup > 0) loop(now_ns() + seconds_to_ns(opt_.warmup), nullptr);
    begin_measure();
    loop(measure_start_ + seconds_to_ns(opt_.duration), nullptr);
    LoadResult r;
    r.established = opt_.conns;
    end_measure(r);
    return r;
}

LoadResult LoadEngine::run_hold() {
    LoadResult r;
    if (opt_.pid > 0) r.server_before = process_memory(opt_.pid);
    const auto start = now_ns();
    loop(start + seconds_to_ns(opt_.setup_timeout), [&] {
        return up_ == opt_.conns ||
               (up_ == 0 && now_ns() - start > seconds_to_ns(opt_.connect_timeout));
    });
    r.connect_seconds = static_cast<double>(now_ns() - start) / 1e9;
    // No reconnects from here on: what is not up now is not held.
    reopen_ = false;
    open_queue_.clear();
    for (int i = 0; i < opt_.conns; ++i)
        if (conns_[i].state != State::held) close_conn(i);
    r.held = r.established = up_;
    std::fprintf(stderr, "held %d\n", up_);
    std::fflush(stderr);

    // The latency histogram keeps the connect-to-welcome times; CPU is accounted from here.
    auto latency = latency_;
    begin_measure();
    latency_ = latency;
    ops_ = static_cast<std::uint64_t>(up_);
    loop(opt_.duration > 0 ? measure_start_ + seconds_to_ns(opt_.duration) : 0, nullptr);
    if (opt_.pid > 0) r.server_held = process_memory(opt_.pid);
    end_measure(r);

    // Every connection still held must still answer, byte for byte.
    g_stop_requested = 0;
    const auto t = now_ns();
    for (int i = 0; i < opt_.conns; ++i) {
        if (conns_[i].state != State::held) continue;
        ++verify_pending_;
        send_line(i, script_.request, State::verify, t);
    }
    loop(t + seconds_to_ns(opt_.reply_timeout) + 1'000'000'000,
         [&] { return verify_pending_ == 0; });
    r.answered = answered_;
    r.errors = errors_;
    r.rate = r.connect_seconds > 0 ? r.held / r.connect_seconds : 0;
    return r;
}

void LoadEngine::begin_measure() {
    latency_.clear();
    ops_ = 0;
    measure_start_ = now_ns();
    own_cpu_start_ = own_cpu_seconds();
    server_cpu_start_ = opt_.pid > 0 ? process_cpu_seconds(opt_.pid) : std::nullopt;
}

void LoadEngine::end_measure(LoadResult& r) {
    const auto end = now_ns();
    r.mode = opt_.mode == Mode::pingpong ? "pingpong" : opt_.mode == Mode::churn ? "churn" : "hold";
    r.conns = opt_.conns;
    r.seconds = static_cast<double>(end - measure_start_) / 1e9;
    r.ops = ops_;
    r.rate = r.seconds > 0 ? static_cast<double>(ops_) / r.seconds : 0;
    r.latency = latency_;
    r.errors = errors_;
    r.client_cpu_pct =
        r.seconds > 0 ? (own_cpu_seconds() - own_cpu_start_) / r.seconds * 100.0 : 0.0;
    if (server_cpu_start_) {
        if (const auto now = process_cpu_seconds(opt_.pid))
            r.server_cpu_seconds = *now - *server_cpu_start_;
    }
}

// ---- the event loop ---------------------------------------------------------------------

void LoadEngine::loop(std::int64_t deadline, const std::function<bool()>& done) {
    std::array<epoll_event, 1024> events{};
    auto next_sweep = now_ns() + kSweepMs * 1'000'000LL;
    while (!g_stop_requested) {
        if (done && done()) return;
        pump_opens();
        auto now = now_ns();
        if (deadline && now >= deadline) return;
        if (now >= next_sweep) {
            sweep_timeouts(now);
            next_sweep = now + kSweepMs * 1'000'000LL;
        }
        std::int64_t wait_ns = next_sweep - now;
        if (deadline) wait_ns = std::min(wait_ns, deadline - now);
        if (!open_queue_.empty()) wait_ns = std::min<std::int64_t>(wait_ns, 1'000'000);
        const int timeout_ms =
            static_cast<int>(std::max<std::int64_t>(0, (wait_ns + 999'999) / 1'000'000));
        const int n =
            epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), timeout_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(std::string("epoll_wait: ") + std::strerror(errno));
        }
        for (int k = 0; k < n; ++k)
            handle_event(events[k].data.u64, events[k].events);
    }
}

void LoadEngine::handle_event(std::uint64_t key, std::uint32_t events) {
    const int i = static_cast<int>(static_cast<std::uint32_t>(key));
    const auto gen = static_cast<std::uint32_t>(key >> 32);
    auto& c = conns_[static_cast<std::size_t>(i)];
    if (c.gen != gen || !c.fd) return;  // an event for a socket already closed
    if (c.state == State::connecting && (!script_.welcome_expected || c.header_pending) &&
        (events & EPOLLOUT)) {
        on_writable(i);
        return;
    }
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(i);
}

void LoadEngine::pump_opens() {
    if (!reopen_) return;
    std::int64_t now = 0;
    while (!open_queue_.empty() && in_flight_ < opt_.ramp) {
        const int i = open_queue_.front();
        if (conns_[static_cast<std::size_t>(i)].not_before) {
            if (!now) now = now_ns();
            if (conns_[static_cast<std::size_t>(i)].not_before > now) break;
        }
        open_queue_.pop_front();
        open_conn(i);
    }
}

void LoadEngine::sweep_timeouts(std::int64_t now) {
    for (int i = 0; i < opt_.conns; ++i) {
        const auto& c = conns_[static_cast<std::size_t>(i)];
        switch (c.state) {
            case State::connecting:
            case State::await_reply:
            case State::await_bye:
            case State::await_eof:
            case State::verify:
                if (now > c.deadline) fail(i, errors_.timeout);
                break;
            default:
                break;
        }
    }
}

// ---- one connection ---------------------------------------------------------------------

void LoadEngine::open_conn(int i) {
    auto& c = conns_[static_cast<std::size_t>(i)];
    const auto now = now_ns();
    UniqueFd fd(socket(target_.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
        ++errors_.other;
        requeue(i, 100 * 1'000'000LL);
        return;
    }
    // Every close is a reset: no TIME_WAIT pile-up, whatever the mode (no sysctl changed).
    const linger no_linger{1, 0};
    setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &no_linger, sizeof no_linger);
    const int one = 1;
    setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd.get(), target_.sockaddr_ptr(), target_.len) < 0 && errno != EINPROGRESS) {
        ++errors_.connect;
        requeue(i, kRetryDelayNs);
        return;
    }
    // --proxy: the header goes at once (on loopback the handshake is done when connect returns),
    // otherwise as soon as the socket is writable.
    c.serial = opened_++;
    c.header_pending = false;
    if (opt_.proxy != ProxyVersion::none && !send_header(fd.get(), c, true)) {
        ++errors_.connect;
        requeue(i, kRetryDelayNs);
        return;
    }
    epoll_event ev{};
    const bool await_writable = !script_.welcome_expected || c.header_pending;
    ev.events = EPOLLIN | (await_writable ? static_cast<std::uint32_t>(EPOLLOUT) : 0u);
    ev.data.u64 = key_of(i, c.gen);
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd.get(), &ev) < 0)
        throw std::runtime_error(std::string("epoll_ctl: ") + std::strerror(errno));
    c.fd = std::move(fd);
    c.state = State::connecting;
    c.matched = 0;
    c.op_start = c.session_start = now;
    c.deadline = now + seconds_to_ns(opt_.connect_timeout);
    ++in_flight_;
}

// Sends c's PROXY header on fd in one send; false when the connection failed. With may_wait, a
// socket still connecting (EAGAIN, ENOTCONN: it takes nothing yet) sets c.header_pending instead,
// and on_writable sends the header.
bool LoadEngine::send_header(int fd, Conn& c, bool may_wait) {
    const auto header = proxy_header(opt_.proxy, target_, c.serial);
    const auto sent = send(fd, header.data(), header.size(), MSG_NOSIGNAL);
    c.header_pending =
        may_wait && sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN);
    // A header is at most 108 bytes: an empty socket buffer takes it whole.
    return c.header_pending || sent == static_cast<ssize_t>(header.size());
}

bool LoadEngine::counts_as_up(State s) const {
    switch (s) {
        case State::ready:
        case State::held:
        case State::verify:
        case State::verified:
            return true;
        case State::await_reply:
            return opt_.mode == Mode::pingpong;
        default:
            return false;
    }
}

// Closes the socket (which also takes it out of the epoll set) and forgets its state.
void LoadEngine::close_conn(int i) {
    auto& c = conns_[static_cast<std::size_t>(i)];
    if (c.state == State::connecting) --in_flight_;
    if (counts_as_up(c.state)) --up_;
    if (c.state == State::verify) --verify_pending_;
    c.fd.reset();
    ++c.gen;
    c.matched = 0;
    c.state = State::idle;
}

void LoadEngine::requeue(int i, std::int64_t delay_ns) {
    auto& c = conns_[static_cast<std::size_t>(i)];
    if (!reopen_) {
        c.state = State::dead;
        return;
    }
    c.not_before = delay_ns ? now_ns() + delay_ns : 0;
    open_queue_.push_back(i);
}

void LoadEngine::fail(int i, std::uint64_t& counter) {
    ++counter;
    close_conn(i);
    requeue(i, kRetryDelayNs);
}

bool LoadEngine::send_line(int i, std::string_view bytes, State next, std::int64_t now) {
    auto& c = conns_[static_cast<std::size_t>(i)];
    c.state = next;
    c.matched = 0;
    c.op_start = now;
    c.deadline = now + seconds_to_ns(opt_.reply_timeout);
    // A request is a few bytes: it always fits an empty socket buffer in one send.
    const auto sent = send(c.fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent == static_cast<ssize_t>(bytes.size())) return true;
    fail(i, sent < 0 && (errno == ECONNRESET || errno == EPIPE) ? errors_.reset : errors_.other);
    return false;
}

void LoadEngine::established(int i) {
    auto& c = conns_[static_cast<std::size_t>(i)];
    const auto now = now_ns();
    --in_flight_;
    switch (opt_.mode) {
        case Mode::pingpong:
            c.state = State::ready;
            ++up_;
            if (requests_flowing_) send_line(i, script_.request, State::await_reply, now);
            break;
        case Mode::hold:
            c.state = State::held;
            ++up_;
            latency_.record(now - c.session_start);
            break;
        default:  // churn
            if (script_.welcome_expected)
                send_line(i, script_.exit_request, State::await_bye, now);
            else
                send_line(i, script_.request, State::await_reply, now);
            break;
    }
}

void LoadEngine::on_writable(int i) {
    auto& c = conns_[static_cast<std::size_t>(i)];
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err || (c.header_pending && !send_header(c.fd.get(), c, false))) {
        fail(i, errors_.connect);
        return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = key_of(i, c.gen);
    epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev);
    if (!script_.welcome_expected) established(i);  // greeting: the welcome comes next
}

void LoadEngine::on_readable(int i) {
    std::array<char, 4096> buf{};
    for (;;) {
        auto& c = conns_[static_cast<std::size_t>(i)];
        const auto n = recv(c.fd.get(), buf.data(), buf.size(), 0);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            if (errno == EINTR) continue;
            if (c.state == State::connecting)
                fail(i, errors_.connect);
            else
                fail(i, errno == ECONNRESET ? errors_.reset : errors_.other);
            return;
        }
        if (n == 0) {
            if (c.state == State::await_eof)
                session_done(i);
            else
                fail(i, c.state == State::connecting ? errors_.connect : errors_.eof);
            return;
        }
        if (!feed(i, std::span<const char>(buf.data(), static_cast<std::size_t>(n)))) return;
        // Level-triggered: one recv per wake-up, except when the close is due next (churn),
        // which is then read at once.
        if (conns_[static_cast<std::size_t>(i)].state != State::await_eof) return;
    }
}

std::string_view LoadEngine::expectation(State s) const {
    switch (s) {
        case State::connecting:
            return script_.welcome;
        case State::await_reply:
        case State::verify:
            return script_.reply;
        case State::await_bye:
            return script_.farewell;
        default:
            return {};  // nothing may arrive now
    }
}

// Compares the bytes against what the protocol says comes next; false when the connection
// was closed (a mismatch, or a finished churn session).
bool LoadEngine::feed(int i, std::span<const char> data) {
    while (!data.empty()) {
        auto& c = conns_[static_cast<std::size_t>(i)];
        const auto want = expectation(c.state);
        const auto n = std::min(data.size(), want.size() - c.matched);
        if (want.empty() || std::memcmp(data.data(), want.data() + c.matched, n) != 0) {
            fail(i, errors_.mismatch);
            return false;
        }
        c.matched += n;
        data = data.subspan(n);
        if (c.matched == want.size()) {
            c.matched = 0;
            if (!stage_done(i)) return false;
        }
    }
    return true;
}

bool LoadEngine::stage_done(int i) {
    auto& c = conns_[static_cast<std::size_t>(i)];
    const auto now = now_ns();
    switch (c.state) {
        case State::connecting:
            established(i);
            return c.state != State::idle;
        case State::await_reply:
            if (opt_.mode == Mode::churn) {  // echo churn: the line came back, session over
                session_done(i);
                return false;
            }
            latency_.record(now - c.op_start);
            ++ops_;
            return send_line(i, script_.request, State::await_reply, now);
        case State::await_bye:
            c.state = State::await_eof;
            return true;
        case State::verify:
            c.state = State::verified;
            --verify_pending_;
            ++answered_;
            return true;
        default:
            return true;
    }
}

void LoadEngine::session_done(int i) {
    latency_.record(now_ns() - conns_[static_cast<std::size_t>(i)].session_start);
    ++ops_;
    close_conn(i);
    requeue(i, 0);
}

}  // namespace hellod_bench
