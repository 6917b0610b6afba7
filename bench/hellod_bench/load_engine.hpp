#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <vector>

#include "options.hpp"
#include "protocol.hpp"
#include "result.hpp"
#include "target.hpp"
#include "unique_fd.hpp"

namespace hellod_bench {

// The single-threaded epoll client behind pingpong, churn and hold: non-blocking sockets,
// one state machine per connection, every received byte checked against the Script.
class LoadEngine {
  public:
    LoadEngine(const Options& options, const Target& target);
    LoadResult run();

  private:
    enum class State {
        idle,         // waiting in the open queue
        connecting,   // connect issued; waiting for the welcome (or writability for echo)
        ready,        // pingpong: up, requests not flowing yet
        await_reply,  // request sent
        await_bye,    // churn: exit sent
        await_eof,    // churn: farewell read, waiting for the server's close
        held,         // hold: up and idle
        verify,       // hold: the final request sent
        verified,     // hold: answered correctly
        dead,         // hold: lost, not reopened
    };
    struct Conn {
        UniqueFd fd;
        std::uint32_t gen = 0;
        State state = State::idle;
        std::size_t matched = 0;  // bytes of the current expectation received so far
        std::int64_t op_start = 0;
        std::int64_t session_start = 0;
        std::int64_t deadline = 0;
        std::int64_t not_before = 0;
        std::uint64_t serial = 0;     // which connection of the run (names the PROXY client)
        bool header_pending = false;  // --proxy: the header waits for the connect to complete
    };

    LoadResult run_pingpong();
    LoadResult run_churn();
    LoadResult run_hold();

    void loop(std::int64_t deadline, const std::function<bool()>& done);
    void handle_event(std::uint64_t key, std::uint32_t events);
    void pump_opens();
    void sweep_timeouts(std::int64_t now);

    void open_conn(int i);
    void close_conn(int i);
    void requeue(int i, std::int64_t delay_ns);
    void fail(int i, std::uint64_t& counter);
    void established(int i);
    bool send_line(int i, std::string_view bytes, State next, std::int64_t now);
    bool send_header(int fd, Conn& c, bool may_wait);
    void on_readable(int i);
    void on_writable(int i);
    bool feed(int i, std::span<const char> data);
    bool stage_done(int i);
    void session_done(int i);
    std::string_view expectation(State s) const;
    bool counts_as_up(State s) const;

    void begin_measure();
    void end_measure(LoadResult& r);

    const Options& opt_;
    const Target& target_;
    Script script_;
    UniqueFd epoll_;
    std::vector<Conn> conns_;
    std::deque<int> open_queue_;
    bool reopen_ = true;             // false once hold has everyone up
    bool requests_flowing_ = false;  // pingpong: started after setup
    std::uint64_t opened_ = 0;       // connections opened so far
    int in_flight_ = 0;
    int up_ = 0;
    int verify_pending_ = 0;
    int answered_ = 0;
    std::uint64_t ops_ = 0;
    Histogram latency_;
    ErrorCounts errors_;
    std::int64_t measure_start_ = 0;
    double own_cpu_start_ = 0;
    std::optional<double> server_cpu_start_;
};

}  // namespace hellod_bench
