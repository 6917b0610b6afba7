#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <string_view>

namespace hellod {

// The connection a Stream reads and writes: a socket in the daemon (net/socket_transport), so
// that the stream itself knows no socket calls. The calls mirror recv(2) and send(2); a
// result's error is an errno value.
class Transport {
  public:
    struct Result {
        std::size_t bytes = 0;  // moved; from receive(), 0 with no error is the end of input
        int error = 0;          // 0, or errno: EAGAIN when the wait ran out, EINTR, ECONNRESET...
    };

    virtual ~Transport() = default;

    // What has arrived, up to into.size() bytes; with `wait`, waiting for something to arrive up
    // to the receive timeout.
    virtual Result receive(std::span<char> into, bool wait) = 0;
    // Sends as much of `bytes` as the connection takes; with `wait`, waiting for room up to the
    // send timeout, else only what fits now.
    virtual Result send(std::string_view bytes, bool wait) = 0;
    // Whether input has arrived that no receive() has taken yet; never waits.
    virtual bool input_waiting() = 0;
    // Ends the write side: the peer reads the end of input once it has read the rest.
    virtual void shut_write() = 0;

    // How long one receive() or send() may wait; zero waits for ever.
    virtual void set_receive_timeout(std::chrono::milliseconds timeout) = 0;
    virtual void set_send_timeout(std::chrono::milliseconds timeout) = 0;
};

}  // namespace hellod
