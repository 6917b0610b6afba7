#pragma once

// A client socket bound to a source address of the test's choosing (127.0.0.2, ...), so that
// tests of per-address rules and limits can be several clients on one machine.
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <string_view>

#include "net/fd.hpp"
#include "socket_address.hpp"

namespace hellod::testing {

// A client of `host`:`port`, bound to the source address `from` when one is given. Every read
// is bounded by a 5 s receive timeout.
class Peer {
  public:
    Peer(const std::string& host, unsigned port, const std::string& from = "") {
        const auto server = socket_address(host, port);
        fd_.reset(::socket(server.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!fd_) throw std::runtime_error("socket failed");
        const timeval timeout{5, 0};
        ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        if (!from.empty()) {
            const auto local = socket_address(from, 0);
            if (::bind(fd_.get(), local.get(), local.length) != 0)
                throw std::runtime_error("cannot bind to " + from);
        }
        if (::connect(fd_.get(), server.get(), server.length) != 0)
            throw std::runtime_error("cannot connect to " + host);
    }

    int fd() const noexcept { return fd_.get(); }

    void shutdown_write() { ::shutdown(fd_.get(), SHUT_WR); }

    // Reads until `count` bytes came, the end, or the timeout; returns what came.
    std::string read_exactly(std::size_t count) {
        std::string out;
        char buffer[4096];
        while (out.size() < count) {
            const ssize_t n =
                ::recv(fd_.get(), buffer, std::min(sizeof buffer, count - out.size()), 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            out.append(buffer, static_cast<std::size_t>(n));
        }
        return out;
    }

    void send(std::string_view bytes) {
        [[maybe_unused]] const auto sent =
            ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    }

    // Everything until the server closes, and how it closed: "eof", "reset", "timeout".
    struct Outcome {
        std::string bytes;
        std::string end;
    };
    Outcome read_all() {
        Outcome out;
        char buffer[4096];
        for (;;) {
            const ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
            if (n > 0) {
                out.bytes.append(buffer, static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            out.end = n == 0                ? "eof"
                      : errno == ECONNRESET ? "reset"
                      : errno == EAGAIN     ? "timeout"
                                            : "error " + std::to_string(errno);
            return out;
        }
    }

  private:
    net::UniqueFd fd_;
};

}  // namespace hellod::testing
