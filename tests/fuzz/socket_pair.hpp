#pragma once

// The two ends of a connected AF_UNIX stream socketpair: the server end for a Stream, the client
// end for the fuzz target, which plays the client. The kernel's buffers between them let a target
// send a whole input and collect a whole reply on one thread, with no thread per run.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "net/fd.hpp"

namespace hellod::fuzz {

class SocketPair {
  public:
    SocketPair() {
        int fds[2];
        FUZZ_CHECK(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0,
                   std::strerror(errno));
        server_.reset(fds[0]);
        client_.reset(fds[1]);
        // A hung target should fail as a timeout, not wait forever in a read of ours.
        timeval tv{};
        tv.tv_sec = 20;
        (void)::setsockopt(client_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }

    int server() const noexcept { return server_.get(); }
    int client() const noexcept { return client_.get(); }
    void close_server() noexcept { server_.reset(); }

    // What each end may hold unsent: `bytes` if the kernel allows (root may exceed wmem_max with
    // SO_SNDBUFFORCE); returns what it granted, which for AF_UNIX is the sender's whole budget
    // for data in flight.
    static int grow_send_buffer(int fd, int bytes) {
        if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof bytes) != 0)
            (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
        int granted = 0;
        socklen_t length = sizeof granted;
        (void)::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &granted, &length);
        return granted;
    }

    static void set_nonblocking(int fd) {
        const int flags = ::fcntl(fd, F_GETFL);
        FUZZ_CHECK(flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0,
                   std::strerror(errno));
    }

    // The client sends what fits now, without blocking; returns how much went.
    std::size_t send_some(std::string_view bytes) const {
        if (bytes.empty()) return 0;
        const ssize_t n =
            ::send(client_.get(), bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
            FUZZ_CHECK(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR,
                       std::strerror(errno));
            return 0;
        }
        return static_cast<std::size_t>(n);
    }

    // The client sends all of `bytes`, blocking while the server end reads (on another thread).
    void send_all(std::string_view bytes) const {
        while (!bytes.empty()) {
            const ssize_t n = ::send(client_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            // The server may be gone already (its session ended): the rest is simply not read.
            if (n <= 0) return;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    void end_input() const { (void)::shutdown(client_.get(), SHUT_WR); }

    // Everything the server end sends until it closes.
    std::string receive_all() const {
        std::string received;
        char buffer[16384];
        for (;;) {
            const ssize_t n = ::recv(client_.get(), buffer, sizeof buffer, 0);
            if (n > 0) {
                received.append(buffer, static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            // A server end closed with input unread resets the pair after its data (AF_UNIX
            // reports ECONNRESET where TCP would send a RST): an end like EOF.
            FUZZ_CHECK(n == 0 || errno == ECONNRESET,
                       "the server end neither closed nor sent for 20 s");
            return received;
        }
    }

  private:
    net::UniqueFd server_;
    net::UniqueFd client_;
};

}  // namespace hellod::fuzz
