#pragma once

#include <poll.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <thread>
#include <vector>

#include "net/fd.hpp"
#include "net/listener.hpp"
#include "net/wakeup.hpp"

namespace hellod {
namespace net {
struct Datagram;
}

// The UDP echo service (udp-echo): every datagram is sent back to its sender unchanged.
// Serves every UDP socket on one thread of its own until stopped.
class UdpEcho {
  public:
    // Takes sockets from net::open_udp_sockets. Starts the thread; throws std::system_error if
    // it cannot (or net::Error if there is no eventfd to wake it with).
    explicit UdpEcho(std::vector<net::Listener> sockets);
    ~UdpEcho();  // stop() + join
    UdpEcho(const UdpEcho&) = delete;
    UdpEcho& operator=(const UdpEcho&) = delete;

    // Asks the thread to end. Thread-safe and async-signal-safe.
    void stop() noexcept;

    // Datagrams sent back so far.
    std::uint64_t echoed() const noexcept { return echoed_.load(std::memory_order_relaxed); }

  private:
    void run();
    // Returns false when the socket failed in a way that may not clear at once.
    bool drain(const net::Listener& socket);
    void answer(const net::Listener& socket, const net::Datagram& request,
                std::span<const std::byte> payload);

    std::vector<net::Listener> sockets_;
    net::Wakeup wake_;               // notified by stop()
    std::vector<pollfd> waits_;      // wake_, then every socket
    std::vector<std::byte> buffer_;  // one datagram; only the thread touches it
    std::atomic<std::uint64_t> echoed_{0};
    std::thread thread_;  // last: it starts once everything it uses exists
};

}  // namespace hellod
