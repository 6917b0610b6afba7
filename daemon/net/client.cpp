#include "net/client.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace hellod::net {
namespace {

// Milliseconds left until `deadline` for poll(2), rounded up so that a wait never ends early.
int remaining_ms(Client::Clock::time_point deadline) {
    const auto left = deadline - Client::Clock::now();
    if (left <= Client::Clock::duration::zero()) return 0;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return static_cast<int>(std::min<long long>(ms, 1 << 30));
}

// Waits until fd is ready for `events` or the deadline passes; false on timeout.
bool wait_for(int fd, short events, Client::Clock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, remaining_ms(deadline));
        if (n > 0) return true;
        if (n == 0) return false;
        if (errno != EINTR) return true;  // let the following call report the error
    }
}

}  // namespace

Client::Status Client::fail(int error_number) {
    error_ = std::strerror(error_number);
    return Status::error;
}

Client::Status Client::connect(const std::string& host, const std::string& port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* results = nullptr;
    if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &results); rc != 0) {
        error_ = rc == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(rc);
        return Status::error;
    }
    const std::unique_ptr<addrinfo, void (*)(addrinfo*)> owner(results, &::freeaddrinfo);
    Status status = fail(EADDRNOTAVAIL);
    for (const addrinfo* ai = results; ai != nullptr; ai = ai->ai_next) {
        UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                             ai->ai_protocol));
        if (!fd) {
            status = fail(errno);
            continue;
        }
        if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
            status = fail(errno);
            continue;
        }
        if (!wait_for(fd.get(), POLLOUT, deadline_)) return Status::timeout;
        int error_number = 0;
        socklen_t length = sizeof error_number;
        ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error_number, &length);
        if (error_number != 0) {
            status = fail(error_number);
            continue;
        }
        fd_ = std::move(fd);
        error_.clear();
        return Status::ok;
    }
    return status;
}

Client::Status Client::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n >= 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return fail(errno);
        if (!wait_for(fd_.get(), POLLOUT, deadline_)) return Status::timeout;
    }
    return Status::ok;
}

void Client::shutdown_write() {
    ::shutdown(fd_.get(), SHUT_WR);
}

Client::Status Client::fill() {
    char chunk[4096];
    for (;;) {
        const ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
        if (n > 0) {
            buffer_.append(chunk, static_cast<std::size_t>(n));
            return Status::ok;
        }
        if (n == 0) return Status::eof;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return fail(errno);
        if (!wait_for(fd_.get(), POLLIN, deadline_)) return Status::timeout;
    }
}

Client::Status Client::read_line(std::string& line, std::size_t limit) {
    for (;;) {
        if (const auto newline = buffer_.find('\n'); newline != std::string::npos) {
            line.assign(buffer_, 0, newline);
            buffer_.erase(0, newline + 1);
            if (line.ends_with('\r')) line.pop_back();
            if (line.size() > limit) {
                error_ = "a line longer than " + std::to_string(limit) + " bytes";
                return Status::error;
            }
            return Status::ok;
        }
        if (buffer_.size() > limit + 2) {
            error_ = "a line longer than " + std::to_string(limit) + " bytes";
            return Status::error;
        }
        if (const Status s = fill(); s != Status::ok) {
            line = std::move(buffer_);
            buffer_.clear();
            return s;
        }
    }
}

Client::Status Client::read_bytes(std::string& bytes, std::size_t count) {
    while (buffer_.size() < count) {
        if (const Status s = fill(); s != Status::ok) {
            bytes = std::move(buffer_);
            buffer_.clear();
            return s;
        }
    }
    bytes.assign(buffer_, 0, count);
    buffer_.erase(0, count);
    return Status::ok;
}

Client::Status Client::read_to_eof(std::string& extra, std::size_t limit) {
    for (;;) {
        if (buffer_.size() > limit) break;
        const Status s = fill();
        if (s == Status::ok) continue;
        extra = std::move(buffer_);
        buffer_.clear();
        return s == Status::eof ? Status::ok : s;
    }
    extra = std::move(buffer_);
    buffer_.clear();
    error_ = "more than " + std::to_string(limit) + " bytes instead of closing";
    return Status::error;
}

std::string_view to_string(Client::Status status) {
    switch (status) {
        case Client::Status::ok:
            return "ok";
        case Client::Status::eof:
            return "closed the connection";
        case Client::Status::timeout:
            return "timed out";
        case Client::Status::error:
            return "failed";
    }
    return "failed";
}

}  // namespace hellod::net
