#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "metrics/http_exchange.hpp"
#include "net/fd.hpp"

namespace hellod::metrics {

// One scraper's connection on the endpoint's loop: what came is read without blocking, each
// whole request answered through an HttpExchange, the answer written as the socket takes it,
// and every phase given a deadline the loop enforces with expire().
class ScrapeConnection {
  public:
    using Clock = std::chrono::steady_clock;
    enum class Phase { reading, writing, lingering, closed };

    struct Limits {
        std::chrono::milliseconds request_timeout;  // a whole request, from the accept or the
                                                    // previous response (bounds keep-alive too)
        std::chrono::milliseconds write_timeout;    // a whole response
        std::size_t max_request_bytes;              // request line + headers
    };

    // `serial` orders idleness across the loop's connections: each response finished takes the
    // next number (a serial, not a time, so that the order is strict).
    ScrapeConnection(net::UniqueFd fd, std::string peer, const Limits& limits,
                     std::uint64_t& serial, Clock::time_point now);

    Phase phase() const noexcept { return phase_; }
    bool open() const noexcept { return phase_ != Phase::closed; }
    int fd() const noexcept { return fd_.get(); }
    short events() const noexcept;  // what poll(2) should wait for
    Clock::time_point deadline() const noexcept { return deadline_; }
    std::uint64_t idle_since() const noexcept { return idle_since_; }
    const std::string& peer() const noexcept { return peer_; }

    // poll(2) reported `revents`: reads, answers and writes what it can.
    void on_event(short revents, const HttpExchange::Render& render, Clock::time_point now);
    // Reads what has come (the request often comes with the connection) and answers it.
    void on_readable(const HttpExchange::Render& render, Clock::time_point now);
    // Closes the connection if its phase's deadline has passed.
    void expire(Clock::time_point now);
    // `reset`: drop what the client would not read rather than leave it queued in the kernel.
    void close(std::string_view why, bool reset = false);

  private:
    void serve(const HttpExchange::Render& render, Clock::time_point now);
    void start_response(std::string bytes, bool close, Clock::time_point now);
    void write_out(Clock::time_point now);

    net::UniqueFd fd_;
    std::string peer_;
    const Limits limits_;
    std::uint64_t& serial_;
    Phase phase_ = Phase::reading;
    HttpExchange exchange_;
    std::string in_;  // received, not yet parsed: a partial or a pipelined request
    std::string out_;
    std::size_t sent_ = 0;
    bool close_after_ = false;
    std::size_t dropped_ = 0;  // bytes read and thrown away while lingering
    Clock::time_point deadline_;
    std::uint64_t idle_since_ = 0;
};

}  // namespace hellod::metrics
