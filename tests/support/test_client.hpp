#pragma once

// A blocking TCP client for tests: every call is bounded by a receive timeout, so a daemon that
// misbehaves fails the test instead of hanging it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

#include "net/fd.hpp"

namespace hellod::testing {

class TestClient {
  public:
    explicit TestClient(unsigned port, const char* from = nullptr,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        fd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!fd_) throw std::runtime_error("socket failed");
        timeval tv{static_cast<time_t>(timeout.count() / 1000),
                   static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
        ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (from != nullptr) {
            sockaddr_in local{};
            local.sin_family = AF_INET;
            ::inet_pton(AF_INET, from, &local.sin_addr);
            if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
                throw std::runtime_error("bind to client address failed");
        }
        sockaddr_in server{};
        server.sin_family = AF_INET;
        server.sin_port = htons(static_cast<std::uint16_t>(port));
        ::inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
        if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&server), sizeof server) != 0)
            throw std::runtime_error("connect failed");
    }

    int fd() const { return fd_.get(); }

    void send(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n < 0) throw std::runtime_error("send failed: " + std::to_string(errno));
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    void shutdown_write() { ::shutdown(fd_.get(), SHUT_WR); }

    // Reads until `bytes` more bytes arrived, EOF or the timeout; returns what arrived.
    std::string read_exactly(std::size_t bytes) {
        std::string out;
        char buffer[4096];
        while (out.size() < bytes) {
            const ssize_t n =
                ::recv(fd_.get(), buffer, std::min(sizeof buffer, bytes - out.size()), 0);
            if (n <= 0) break;
            out.append(buffer, static_cast<std::size_t>(n));
        }
        return out;
    }

    // Reads until EOF (or the timeout, then "<timeout>" is appended, or an error "<error>").
    std::string read_to_eof() {
        std::string out;
        char buffer[4096];
        for (;;) {
            const ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
            if (n == 0) return out;
            if (n < 0) {
                if (errno == EINTR) continue;
                return out + (errno == EAGAIN ? "<timeout>" : "<error>");
            }
            out.append(buffer, static_cast<std::size_t>(n));
        }
    }

  private:
    net::UniqueFd fd_;
};

}  // namespace hellod::testing
