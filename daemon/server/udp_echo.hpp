#pragma once

#include <poll.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "net/fd.hpp"
#include "net/listener.hpp"
#include "net/wakeup.hpp"
#include "server/source_rate_limit.hpp"

namespace hellod {
namespace net {
struct Datagram;
}

// The UDP echo service (udp-echo): every datagram is sent back to its sender unchanged.
// Serves every UDP socket on one thread of its own until stopped. Answers each source address
// at most `rate` datagrams a second (udp-echo-rate, see SourceRateLimit), so that neither a
// loop with another echo service nor a flood reflected at a forged source is unbounded.
class UdpEcho {
  public:
    // Takes sockets from net::open_udp_sockets; rate: datagrams a second per source address,
    // 0 = no limit. Starts the thread; throws std::system_error if it cannot (or net::Error if
    // there is no eventfd to wake it with).
    UdpEcho(std::vector<net::Listener> sockets, std::size_t rate);
    ~UdpEcho();  // stop() + join
    UdpEcho(const UdpEcho&) = delete;
    UdpEcho& operator=(const UdpEcho&) = delete;

    // Asks the thread to end. Thread-safe and async-signal-safe.
    void stop() noexcept;

    // A new udp-echo-rate (on reload), in force from the next datagram; every source starts
    // again with a full bucket. Thread-safe.
    void set_rate(std::size_t rate) noexcept { rate_.store(rate, std::memory_order_relaxed); }

    // Why a datagram went unanswered, as hellod_udp_dropped_total's reason label says.
    enum class Drop { too_long, source_port, broadcast, over_rate, send_failed };
    static constexpr std::size_t drop_count = 5;
    static std::string_view to_string(Drop drop);

    // Datagrams sent back so far, and their bytes.
    std::uint64_t echoed() const noexcept { return echoed_.load(std::memory_order_relaxed); }
    std::uint64_t echoed_bytes() const noexcept {
        return echoed_bytes_.load(std::memory_order_relaxed);
    }
    std::uint64_t dropped(Drop why) const noexcept {
        return dropped_[static_cast<std::size_t>(why)].load(std::memory_order_relaxed);
    }
    // Datagrams dropped so far because their source was over udp-echo-rate.
    std::uint64_t over_rate() const noexcept { return dropped(Drop::over_rate); }

    struct Counts {
        std::uint64_t echoed = 0;
        std::uint64_t echoed_bytes = 0;
        std::array<std::uint64_t, drop_count> dropped{};
    };
    Counts counts() const noexcept;

  private:
    void run();
    // Returns false when the socket failed in a way that may not clear at once.
    bool drain(const net::Listener& socket);
    void answer(const net::Listener& socket, const net::Datagram& request,
                std::span<const std::byte> payload);
    // Whether the request's source is within udp-echo-rate; a drop is logged at debug, and in
    // the line a minute when one is due.
    bool within_rate(const net::Listener& socket, const net::Datagram& request, std::size_t size);
    // Logs the drops over udp-echo-rate if a line is due; `latest` is the datagram just dropped,
    // if any, which a first line names.
    void log_drops(SourceRateLimit::Clock::time_point now, const net::Datagram* latest = nullptr);
    // How long poll may wait before a line about drops is due: -1 for as long as it takes.
    int wait_for_drops_line() const;

    std::vector<net::Listener> sockets_;
    net::Wakeup wake_;               // notified by stop()
    std::vector<pollfd> waits_;      // wake_, then every socket
    std::vector<std::byte> buffer_;  // one datagram; only the thread touches it
    std::atomic<std::size_t> rate_;  // udp-echo-rate as last set
    SourceRateLimit limit_;          // only the thread touches it
    void drop(Drop why) noexcept {
        dropped_[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed);
    }

    // Written by the thread alone, read by a scrape.
    std::atomic<std::uint64_t> echoed_{0};
    std::atomic<std::uint64_t> echoed_bytes_{0};
    std::array<std::atomic<std::uint64_t>, drop_count> dropped_{};
    std::thread thread_;  // last: it starts once everything it uses exists
};

}  // namespace hellod
