#include "client_engine.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "expectation.hpp"

namespace hellod_soak {

namespace {

constexpr auto kSweepInterval = std::chrono::milliseconds(5);
// The kernel rounds a socket timeout up to its tick, never down: a close this much before the
// configured time is the daemon's doing.
constexpr auto kEarlyTolerance = std::chrono::milliseconds(20);
constexpr std::size_t kSlowReaderCap = 4 << 20;  // bytes a slow reader sends at most

std::string errno_text(int error) {
    return std::strerror(error);
}

// The last bytes of what a client received, for a failure message.
std::string tail_of(std::string_view bytes) {
    return escape_bytes(bytes.substr(bytes.size() - std::min<std::size_t>(bytes.size(), 40)));
}

}  // namespace

struct ClientEngine::Client {
    std::uint64_t session = 0;
    std::uint32_t slot = 0;
    std::uint32_t generation = 0;
    Plan plan;
    UniqueFd fd;
    bool registered = false;  // in the epoll set
    std::uint32_t interest = 0;
    bool connecting = true;
    std::size_t step = 0;       // next step to send
    std::size_t step_sent = 0;  // bytes of it sent
    bool pausing = false;
    Clock::time_point resume_at{};
    bool send_blocked = false;
    bool sending_over = false;   // half-closed, or the server stopped reading
    bool server_ending = false;  // the shutdown line has begun: send nothing more
    std::string received;
    std::size_t lines = 0;  // server lines received
    std::size_t max_bytes = 0;
    std::size_t welcome = 0;
    bool welcomed = false;
    bool open_at_shutdown = false;  // counted in the shutdown figures
    bool unwelcomed_at_shutdown = false;
    std::size_t slow_sent = 0;
    bool draining = false;  // a slow reader that now reads
    Clock::time_point started{};
    Clock::time_point last_send{};
    Clock::time_point deadline{};

    std::uint64_t key() const { return (std::uint64_t{generation} << 32) | slot; }
};

ClientEngine::ClientEngine(Options options)
    : options_(std::move(options)), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (!epoll_) throw std::runtime_error("epoll_create1: " + errno_text(errno));
    if (options_.welcomes.empty()) throw std::logic_error("no welcome to expect");
    for (const auto& w : options_.welcomes)
        longest_welcome_ = std::max(longest_welcome_, w.size());
}

ClientEngine::~ClientEngine() = default;

ClientEngine::Client* ClientEngine::client(std::uint64_t key) {
    const auto slot = static_cast<std::uint32_t>(key);
    if (slot >= slots_.size() || !slots_[slot]) return nullptr;
    Client* c = slots_[slot].get();
    return c->generation == static_cast<std::uint32_t>(key >> 32) ? c : nullptr;
}

void ClientEngine::start(std::uint64_t session, Plan plan) {
    std::uint32_t slot = 0;
    if (free_slots_.empty()) {
        slot = static_cast<std::uint32_t>(slots_.size());
        slots_.emplace_back();
    } else {
        slot = free_slots_.back();
        free_slots_.pop_back();
    }
    slots_[slot] = std::make_unique<Client>();
    Client& c = *slots_[slot];
    c.session = session;
    c.slot = slot;
    c.generation = ++next_generation_;
    c.plan = std::move(plan);
    c.started = c.last_send = Clock::now();
    c.deadline = c.started + c.plan.timeout;
    if (shutdown_) {
        c.deadline = std::min(c.deadline, shutdown_deadline_);
        c.unwelcomed_at_shutdown = true;
    }
    c.max_bytes = longest_welcome_ + c.plan.body.size() + kShutdownLine.size();
    const auto kind = static_cast<std::size_t>(c.plan.kind);
    ++tally_.kinds[kind].started;
    ++active_;
    ++active_by_kind_[kind];
    if (c.plan.kind == Kind::slow_reader && slow_block_.empty()) {
        while (slow_block_.size() + c.plan.slow_line.size() <= 64 * 1024)
            slow_block_ += c.plan.slow_line;
    }

    c.fd.reset(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!c.fd) return fail(c, "socket: " + errno_text(errno));
    if (c.plan.rcvbuf != 0) {
        const int size = static_cast<int>(c.plan.rcvbuf);
        ::setsockopt(c.fd.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    const auto* address = reinterpret_cast<const sockaddr*>(&options_.target);
    if (::connect(c.fd.get(), address, sizeof options_.target) != 0 && errno != EINPROGRESS) {
        const int error = errno;
        if (shutdown_ && error == ECONNREFUSED) return finish(c, Outcome::not_served);
        return fail(c, "connect: " + errno_text(error));
    }
    // A non-blocking connect reports the end of the handshake as writability.
    set_interest(c, EPOLLOUT);
}

void ClientEngine::poll(std::chrono::milliseconds timeout) {
    auto now = Clock::now();
    if (next_sweep_ == Clock::time_point{}) next_sweep_ = now + kSweepInterval;
    const auto until_sweep = std::chrono::ceil<std::chrono::milliseconds>(
        std::max(next_sweep_ - now, Clock::duration{}));
    timeout = std::clamp(timeout, std::chrono::milliseconds(0), until_sweep);
    std::array<epoll_event, 256> events{};
    const int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()),
                               static_cast<int>(timeout.count()));
    if (n < 0 && errno != EINTR) throw std::runtime_error("epoll_wait: " + errno_text(errno));
    for (int i = 0; i < n; ++i)
        handle(events[static_cast<std::size_t>(i)].data.u64,
               events[static_cast<std::size_t>(i)].events);
    now = Clock::now();
    if (now >= next_sweep_) {
        sweep(now);
        next_sweep_ = now + kSweepInterval;
    }
}

void ClientEngine::shutdown_began(Clock::time_point when, Clock::time_point deadline) {
    shutdown_ = true;
    shutdown_at_ = when;
    shutdown_deadline_ = deadline;
    for (auto& slot : slots_) {
        if (!slot) continue;
        Client& c = *slot;
        c.open_at_shutdown = true;
        // Only a client the daemon may not have accepted yet may go unserved.
        c.unwelcomed_at_shutdown = c.plan.reads ? !c.welcomed : c.connecting;
        c.deadline = std::min(c.deadline, deadline);
    }
}

std::size_t ClientEngine::awaiting_welcome() const {
    return static_cast<std::size_t>(std::count_if(slots_.begin(), slots_.end(), [](const auto& c) {
        return c && (c->connecting || (c->plan.reads && !c->welcomed));
    }));
}

void ClientEngine::handle(std::uint64_t key, std::uint32_t events) {
    Client* c = client(key);
    if (c == nullptr) return;  // an event for a client that has ended
    if (c->connecting) {
        int error = 0;
        socklen_t length = sizeof error;
        ::getsockopt(c->fd.get(), SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) {
            if (shutdown_ && c->unwelcomed_at_shutdown &&
                (error == ECONNREFUSED || error == ECONNRESET))
                return finish(*c, Outcome::not_served);
            return fail(*c, "connect: " + errno_text(error));
        }
        if ((events & EPOLLOUT) == 0) return;
        return on_connected(*c);
    }
    if (c->plan.ending == Ending::slow_read) {
        if (c->draining) return slow_drain(*c);
        if ((events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) != 0) return slow_end(*c);
        if ((events & EPOLLOUT) != 0) slow_send(*c);
        return;
    }
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
        if (!c->plan.reads) {
            // A client that never reads (drop) has nothing to check: the server is gone.
            return finish(*c, Outcome::prefix);
        }
        if (!read_input(*c)) return;
    }
    if ((events & EPOLLOUT) != 0 && c->send_blocked) {
        c->send_blocked = false;
        update_interest(*c);
    }
    advance(*c);
}

void ClientEngine::on_connected(Client& c) {
    c.connecting = false;
    if (c.plan.ending == Ending::slow_read) {
        set_interest(c, EPOLLOUT | EPOLLRDHUP);
        return slow_send(c);
    }
    update_interest(c);
    advance(c);
}

void ClientEngine::sweep(Clock::time_point now) {
    for (auto& slot : slots_) {
        if (!slot) continue;
        Client& c = *slot;
        if (now >= c.deadline) {
            fail(c, "no end within " + format_seconds(seconds_between(c.started, c.deadline)) +
                        " (" + (c.connecting ? "connecting" : "connected") + ", step " +
                        std::to_string(c.step) + " of " + std::to_string(c.plan.steps.size()) +
                        " sent, " + std::to_string(c.received.size()) + " bytes in, last \"" +
                        tail_of(c.received) + "\")");
        } else if (c.pausing && now >= c.resume_at) {
            advance(c);
        }
    }
}

// Reads what is there and checks it; false when the client has ended.
bool ClientEngine::read_input(Client& c) {
    std::array<char, 16384> buffer;
    bool closed = false;
    int error = 0;
    for (;;) {
        const ssize_t n = ::recv(c.fd.get(), buffer.data(), buffer.size(), 0);
        if (n > 0) {
            const auto got = static_cast<std::size_t>(n);
            c.received.append(buffer.data(), got);
            c.lines +=
                static_cast<std::size_t>(std::count(buffer.data(), buffer.data() + got, '\n'));
            if (c.received.size() > c.max_bytes) {
                fail(c, "more bytes than the whole session should bring (" +
                            std::to_string(c.received.size()) + "), last \"" + tail_of(c.received) +
                            "\"");
                return false;
            }
            continue;
        }
        if (n == 0) {
            closed = true;
            break;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) error = errno;
        break;
    }
    if ((closed || error != 0) && c.received.empty() && shutdown_ && c.unwelcomed_at_shutdown) {
        finish(c, Outcome::not_served);
        return false;
    }
    if (error != 0) {
        fail(c, "recv: " + errno_text(error) + " after " + std::to_string(c.received.size()) +
                    " bytes");
        return false;
    }
    const Verdict v = check_output(c.received, options_.welcomes, c.plan.body, shutdown_, closed);
    if (v.welcomed) {
        c.welcomed = true;
        c.welcome = v.welcome;
    }
    if (v.state == Verdict::State::mismatch) {
        fail(c, v.detail);
        return false;
    }
    if (v.shutting_down) c.server_ending = true;
    if (v.state != Verdict::State::complete) return true;
    if (v.shutting_down) {
        finish(c, Outcome::shutdown);
        return false;
    }
    if (c.plan.shutdown_only) {
        fail(c, "closed after " + std::to_string(c.received.size()) +
                    " bytes without the shutdown line");
        return false;
    }
    if (c.plan.ending == Ending::stall && options_.idle_timeout.count() > 0) {
        const auto now = Clock::now();
        if (now - c.last_send < options_.idle_timeout - kEarlyTolerance) {
            fail(c, "idle close " + format_seconds(seconds_between(c.last_send, now)) +
                        " after the last byte sent, before idle-timeout");
            return false;
        }
        tally_.idle_close.add(seconds_between(c.last_send, now));
    }
    finish(c, Outcome::complete);
    return false;
}

void ClientEngine::advance(Client& c) {
    if (c.connecting) return;
    const auto now = Clock::now();
    while (c.step < c.plan.steps.size() && !c.sending_over && !c.server_ending) {
        const Step& s = c.plan.steps[c.step];
        if (c.step_sent == 0) {
            if (c.lines < s.after_lines) return;
            if (s.pause.count() > 0) {
                if (!c.pausing) {
                    c.pausing = true;
                    c.resume_at = now + s.pause;
                    return;
                }
                if (now < c.resume_at) return;
            }
        }
        if (c.send_blocked) return;
        const ssize_t n = ::send(c.fd.get(), s.bytes.data() + c.step_sent,
                                 s.bytes.size() - c.step_sent, MSG_NOSIGNAL);
        if (n < 0) {
            const int error = errno;
            if (error == EINTR) continue;
            if (error == EAGAIN || error == EWOULDBLOCK) {
                c.send_blocked = true;
                return update_interest(c);
            }
            if (error == EPIPE || error == ECONNRESET) {
                // The server has closed: what it sent before says whether that was right.
                c.sending_over = true;
                break;
            }
            return fail(c, "send: " + errno_text(error));
        }
        c.step_sent += static_cast<std::size_t>(n);
        c.last_send = now;
        if (c.step_sent < s.bytes.size()) {
            c.send_blocked = true;
            return update_interest(c);
        }
        ++c.step;
        c.step_sent = 0;
        c.pausing = false;
    }
    if (c.step < c.plan.steps.size() && !c.sending_over && !c.server_ending) return;
    switch (c.plan.ending) {
        case Ending::half_close:
            if (!c.sending_over) {
                ::shutdown(c.fd.get(), SHUT_WR);
                c.sending_over = true;
            }
            return;
        case Ending::close:
        case Ending::reset:
            if (!c.plan.reads || c.sending_over || c.lines >= c.plan.end_after_lines) {
                if (c.plan.ending == Ending::reset) {
                    const linger abort{1, 0};  // close() sends a reset
                    ::setsockopt(c.fd.get(), SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
                }
                return finish(c, Outcome::prefix);
            }
            return;
        default:
            return;
    }
}

void ClientEngine::slow_send(Client& c) {
    const std::size_t line = c.plan.slow_line.size();
    while (c.slow_sent < kSlowReaderCap) {
        const std::size_t offset = c.slow_sent % line;
        const ssize_t n = ::send(c.fd.get(), slow_block_.data() + offset,
                                 slow_block_.size() - offset, MSG_NOSIGNAL);
        if (n < 0) {
            const int error = errno;
            if (error == EINTR) continue;
            if (error == EAGAIN || error == EWOULDBLOCK) return;
            if (error == EPIPE || error == ECONNRESET) return slow_end(c);
            return fail(c, "send: " + errno_text(error));
        }
        c.slow_sent += static_cast<std::size_t>(n);
    }
    set_interest(c, EPOLLRDHUP);  // sent enough; wait for the server to give up
}

void ClientEngine::drain_slow_readers() {
    for (auto& slot : slots_) {
        if (!slot || slot->plan.ending != Ending::slow_read || slot->connecting) continue;
        slot->draining = true;
        set_interest(*slot, EPOLLIN | EPOLLRDHUP);
    }
}

void ClientEngine::slow_drain(Client& c) {
    std::array<char, 65536> buffer;
    for (;;) {
        const ssize_t n = ::recv(c.fd.get(), buffer.data(), buffer.size(), 0);
        if (n > 0) {
            c.received.append(buffer.data(), static_cast<std::size_t>(n));
            if (c.received.size() > 2 * kSlowReaderCap)
                return fail(c, "more bytes than a slow reader's lines could bring");
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // more to come
        return slow_end(c);  // the close or the reset: everything is in
    }
}

// The server gave up on a client that never read: what did reach it must still be right.
void ClientEngine::slow_end(Client& c) {
    const auto now = Clock::now();
    std::array<char, 16384> buffer;
    for (;;) {
        const ssize_t n = ::recv(c.fd.get(), buffer.data(), buffer.size(), 0);
        if (n > 0) {
            c.received.append(buffer.data(), static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        break;  // the close, the reset, or nothing more for now: all of it is in
    }
    if (c.received.empty() && shutdown_ && c.unwelcomed_at_shutdown)
        return finish(c, Outcome::not_served);
    const std::string_view got = c.received;
    // The welcome went first, into an empty buffer: it is always there.
    std::size_t offset = std::string_view::npos;
    for (const auto& w : options_.welcomes)
        if (got.starts_with(w)) offset = w.size();
    if (offset == std::string_view::npos)
        return fail(c, "no welcome: got \"" + escape_bytes(got) + "\"");
    const std::string& reply = c.plan.slow_reply;
    std::size_t i = offset;
    while (i < got.size() && got[i] == reply[(i - offset) % reply.size()])
        ++i;
    if (i < got.size()) {
        // Only at a reply's boundary, and only after SIGTERM, may the shutdown line come.
        const std::string_view tail = got.substr(i);
        const bool boundary = (i - offset) % reply.size() == 0;
        if (!(shutdown_ && boundary && kShutdownLine.starts_with(tail)))
            return fail(c, "at byte " + std::to_string(i) + " expected \"" +
                               escape_bytes(reply.substr((i - offset) % reply.size())) +
                               "\" but got \"" + escape_bytes(tail) + "\"");
    }
    if (!shutdown_) {
        if (now - c.started < options_.write_timeout - kEarlyTolerance)
            return fail(c, "given up on after " + format_seconds(seconds_between(c.started, now)) +
                               ", before write-timeout");
        tally_.write_timeout_close.add(seconds_between(c.started, now));
    }
    finish(c, Outcome::cut);
}

void ClientEngine::set_interest(Client& c, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = c.key();
    const int op = c.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (::epoll_ctl(epoll_.get(), op, c.fd.get(), &ev) != 0)
        throw std::runtime_error("epoll_ctl: " + errno_text(errno));
    c.registered = true;
    c.interest = events;
}

void ClientEngine::update_interest(Client& c) {
    const std::uint32_t wanted = (c.plan.reads ? EPOLLIN : 0u) |
                                 (c.send_blocked ? static_cast<std::uint32_t>(EPOLLOUT) : 0u);
    if (wanted != c.interest) set_interest(c, wanted);
}

void ClientEngine::finish(Client& c, Outcome outcome) {
    auto& k = tally_.kinds[static_cast<std::size_t>(c.plan.kind)];
    ++k.outcomes[static_cast<std::size_t>(outcome)];
    k.bytes_checked += c.received.size();
    if (outcome == Outcome::complete) k.server_lines += c.plan.server_lines;
    if (c.welcomed && c.welcome < tally_.welcomes.size()) ++tally_.welcomes[c.welcome];
    if (c.open_at_shutdown) tally_.shutdown_close.add(seconds_between(shutdown_at_, Clock::now()));
    release(c);
}

void ClientEngine::fail(Client& c, const std::string& what) {
    ++tally_.kinds[static_cast<std::size_t>(c.plan.kind)].failed;
    ++tally_.failed;
    if (tally_.failures.size() < options_.failures_kept)
        tally_.failures.push_back({c.session, c.plan.kind, c.plan.variant, what});
    release(c);
}

void ClientEngine::release(Client& c) {
    --active_;
    --active_by_kind_[static_cast<std::size_t>(c.plan.kind)];
    const std::uint32_t slot = c.slot;
    free_slots_.push_back(slot);
    slots_[slot].reset();  // closes the socket, which also leaves the epoll set
}

}  // namespace hellod_soak
