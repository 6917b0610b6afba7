#pragma once

#include <chrono>

#include "io/transport.hpp"

namespace hellod::net {

// A Stream's transport over a connected socket: recv and send (never raising SIGPIPE), with
// the timeouts as SO_RCVTIMEO and SO_SNDTIMEO, so that a blocking call stays one system call.
// It does not own the descriptor.
class SocketTransport final : public Transport {
  public:
    // never: no call ever waits, whatever it is asked (for the acceptor's own thread, which
    // must not block on one client).
    enum class Waiting { as_asked, never };

    explicit SocketTransport(int fd, Waiting waiting = Waiting::as_asked) noexcept
        : fd_(fd), waiting_(waiting) {}

    Result receive(std::span<char> into, bool wait) override;
    Result send(std::string_view bytes, bool wait) override;
    bool input_waiting() override;
    void shut_write() override;
    void set_receive_timeout(std::chrono::milliseconds timeout) override;
    void set_send_timeout(std::chrono::milliseconds timeout) override;

  private:
    int flags(bool wait) const noexcept;

    int fd_;
    Waiting waiting_;
};

}  // namespace hellod::net
