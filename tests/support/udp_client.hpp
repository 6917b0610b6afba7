#pragma once

// A UDP client for tests. Every receive is bounded by a timeout, so a service that does not
// answer fails the test instead of hanging it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "net/address.hpp"
#include "net/fd.hpp"
#include "socket_address.hpp"

namespace hellod::testing {

class UdpClient {
  public:
    explicit UdpClient(int family = AF_INET) {
        fd_.reset(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!fd_) throw std::runtime_error("socket failed: " + std::to_string(errno));
    }

    int fd() const { return fd_.get(); }

    // Returns 0 or the errno, for the caller to decide (a privileged port may be refused).
    int bind(const net::SocketAddress& local) {
        return ::bind(fd_.get(), local.get(), local.length) == 0 ? 0 : errno;
    }

    // A connected UDP socket takes datagrams from the address it is connected to and from no
    // other, so a reply from any other source address or port is never received.
    void connect(const net::SocketAddress& server) {
        if (::connect(fd_.get(), server.get(), server.length) != 0)
            throw std::runtime_error("connect failed: " + std::to_string(errno));
    }

    void send(std::string_view bytes) {
        const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), 0);
        if (n != static_cast<ssize_t>(bytes.size()))
            throw std::runtime_error("send failed: " + std::to_string(errno));
    }

    void send_to(std::string_view bytes, const net::SocketAddress& to) {
        const ssize_t n = ::sendto(fd_.get(), bytes.data(), bytes.size(), 0, to.get(), to.length);
        if (n != static_cast<ssize_t>(bytes.size()))
            throw std::runtime_error("sendto failed: " + std::to_string(errno));
    }

    // The next datagram whole, or nothing when none came within `timeout` or the socket
    // reported an error (then in last_error()).
    std::optional<std::string> receive(
        std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        last_error_ = 0;
        pollfd wait{fd_.get(), POLLIN, 0};
        const int ready = ::poll(&wait, 1, static_cast<int>(timeout.count()));
        if (ready <= 0) {
            last_error_ = ready == 0 ? EAGAIN : errno;
            return std::nullopt;
        }
        std::vector<char> buffer(64 * 1024);
        // MSG_TRUNC: the real length even if it did not fit, so a short copy cannot pass.
        const ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), MSG_TRUNC);
        if (n < 0) {
            last_error_ = errno;
            return std::nullopt;
        }
        if (static_cast<std::size_t>(n) > buffer.size())
            throw std::runtime_error("datagram larger than the test's buffer");
        return std::string(buffer.data(), static_cast<std::size_t>(n));
    }

    int last_error() const { return last_error_; }

  private:
    net::UniqueFd fd_;
    int last_error_ = 0;
};

}  // namespace hellod::testing
