#include "net/acceptor.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>

#include "text/strings.hpp"

namespace hellod::net {
namespace {

constexpr int accept_batch_size = 64;

UniqueFd open_spare() {
    return UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
}

int accept_one(int listener, Accepted& out) {
    out.peer = {};
    out.peer.length = sizeof out.peer.storage;
    out.fd.reset(::accept4(listener, reinterpret_cast<sockaddr*>(&out.peer.storage),
                           &out.peer.length, SOCK_CLOEXEC));
    return out.fd ? 0 : errno;
}

}  // namespace

Acceptor::Acceptor(std::vector<Listener> listeners)
    : listeners_(std::move(listeners)), spare_(open_spare()) {}

Acceptor::Ready Acceptor::wait(std::optional<Clock::time_point> deadline, bool paused,
                               const sigset_t* wait_mask) {
    polls_.clear();
    polls_.push_back({wakeup_.fd(), POLLIN, 0});
    if (!paused)
        for (const auto& listener : listeners_)
            polls_.push_back({listener.fd.get(), POLLIN, 0});
    timespec timeout{};
    if (deadline) {
        const auto left = std::max(Clock::duration::zero(), *deadline - Clock::now());
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
        timeout.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
        timeout.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    }
    Ready ready;
    ready_.clear();
    if (::ppoll(polls_.data(), polls_.size(), deadline ? &timeout : nullptr, wait_mask) < 0) {
        // EINTR: a signal whose handler called wake(), seen on the next wait.
        if (errno != EINTR) ready.error = errno;
        return ready;
    }
    if (polls_[0].revents != 0) {
        wakeup_.clear();
        ready.woken = true;
    }
    for (std::size_t i = 1; i < polls_.size(); ++i)
        if (polls_[i].revents != 0) ready_.push_back(i - 1);
    ready.listeners = ready_;
    return ready;
}

Acceptor::Outcome Acceptor::accept_batch(std::size_t index,
                                         const std::function<void(Accepted)>& take) {
    const int listener = listeners_.at(index).fd.get();
    for (int i = 0; i < accept_batch_size; ++i) {
        Accepted accepted;
        const int error = accept_one(listener, accepted);
        if (error == 0) {
            take(std::move(accepted));
            continue;
        }
        if (error == EAGAIN || error == EWOULDBLOCK) return {};
        if (accept_skips_one(error)) continue;
        if (error == EMFILE || error == ENFILE) return {Stop::out_of_descriptors, error};
        return {Stop::failed, error};
    }
    return {};
}

bool Acceptor::turn_away_with_spare(std::size_t index,
                                    const std::function<void(Accepted)>& turn_away) {
    if (spare_) {
        spare_.reset();
        Accepted accepted;
        if (accept_one(listeners_.at(index).fd.get(), accepted) == 0)
            turn_away(std::move(accepted));
        spare_ = open_spare();  // after turn_away closed the client, whose number it takes
    }
    return static_cast<bool>(spare_);
}

std::vector<std::string> Acceptor::set_backlog(int backlog) {
    std::vector<std::string> failures;
    for (const auto& listener : listeners_) {
        if (::listen(listener.fd.get(), backlog) != 0) {
            failures.push_back("cannot apply backlog " + std::to_string(backlog) + " to " +
                               listener.name + ": " + errno_text(errno));
        }
    }
    return failures;
}

bool accept_skips_one(int error) noexcept {
    switch (error) {
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
            return true;
        default:
            return false;
    }
}

}  // namespace hellod::net
