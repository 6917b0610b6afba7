#pragma once

// A NOTIFY_SOCKET the test owns: an abstract-namespace datagram socket, as systemd's own can be.
// Constructing one points NOTIFY_SOCKET at it (in this process's environment).
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

#include "net/fd.hpp"

namespace hellod::testing {

// An abstract-namespace datagram socket, as systemd's own NOTIFY_SOCKET can be.
class NotifySocket {
  public:
    NotifySocket() : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
        static int serial = 0;
        name_ = "hellod-notify-test-" + std::to_string(::getpid()) + "-" + std::to_string(++serial);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path + 1, name_.data(), name_.size());
        const auto length =
            static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name_.size());
        bound_ = ::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&address), length) == 0;
        ::setenv("NOTIFY_SOCKET", ("@" + name_).c_str(), 1);
    }
    ~NotifySocket() { ::unsetenv("NOTIFY_SOCKET"); }
    bool bound() const { return bound_; }

    std::string address() const { return "@" + name_; }

    // The next datagram, or "" when none comes within `wait`.
    std::string next(std::chrono::milliseconds wait = std::chrono::seconds(2)) {
        pollfd p{fd_.get(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(wait.count())) != 1) return "";
        char buffer[4096];
        const auto n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
        return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
    }

  private:
    net::UniqueFd fd_;
    std::string name_;
    bool bound_ = false;
};

}  // namespace hellod::testing
