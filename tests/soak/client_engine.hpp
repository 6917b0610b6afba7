#pragma once

#include <netinet/in.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "clock.hpp"
#include "net/fd.hpp"
#include "plan.hpp"
#include "tally.hpp"

namespace hellod_soak {

using hellod::net::UniqueFd;

// Runs many clients at once on one thread: non-blocking sockets under epoll, each client
// following its Plan, every byte it reads checked against the plan's expected output as it
// arrives, and every client bounded by its deadline. What happened is in tally().
class ClientEngine {
  public:
    struct Options {
        sockaddr_in target{};
        std::vector<std::string> welcomes;           // whole lines, "\r\n" included
        std::chrono::milliseconds idle_timeout{0};   // a stall's close may not come sooner
        std::chrono::milliseconds write_timeout{0};  // nor a slow reader's
        std::size_t failures_kept = 20;
    };

    explicit ClientEngine(Options options);
    ClientEngine(const ClientEngine&) = delete;
    ClientEngine& operator=(const ClientEngine&) = delete;
    ~ClientEngine();

    // Connects a new client that will follow `plan`.
    void start(std::uint64_t session, Plan plan);

    // Waits at most `timeout` for socket events and handles them, then the clients' timers.
    void poll(std::chrono::milliseconds timeout);

    // SIGTERM went to the daemon at `when`: from now on the shutdown line may end any session,
    // a client the daemon had not welcomed yet may find itself refused or reset, and every
    // client must be done by `deadline`.
    void shutdown_began(Clock::time_point when, Clock::time_point deadline);

    // The daemon has exited: slow readers start reading, to find what reached them and its
    // end (a client that never reads cannot see a close queued behind unread data).
    void drain_slow_readers();

    std::size_t active() const { return active_; }
    // Clients still connecting, or connected and not yet welcomed.
    std::size_t awaiting_welcome() const;
    std::size_t active(Kind kind) const { return active_by_kind_[static_cast<std::size_t>(kind)]; }
    const Tally& tally() const { return tally_; }

  private:
    struct Client;

    Client* client(std::uint64_t key);
    void handle(std::uint64_t key, std::uint32_t events);
    void sweep(Clock::time_point now);
    void on_connected(Client& c);
    bool read_input(Client& c);
    void advance(Client& c);
    void slow_send(Client& c);
    void slow_drain(Client& c);
    void slow_end(Client& c);
    void set_interest(Client& c, std::uint32_t events);
    void update_interest(Client& c);
    void finish(Client& c, Outcome outcome);
    void fail(Client& c, const std::string& what);
    void release(Client& c);

    Options options_;
    UniqueFd epoll_;
    std::vector<std::unique_ptr<Client>> slots_;
    std::vector<std::uint32_t> free_slots_;
    std::uint32_t next_generation_ = 0;
    std::size_t active_ = 0;
    std::array<std::size_t, kKinds> active_by_kind_{};
    Tally tally_;
    std::size_t longest_welcome_ = 0;
    std::string slow_block_;  // the slow readers' line, repeated to 64 KiB
    Clock::time_point next_sweep_{};
    bool shutdown_ = false;
    Clock::time_point shutdown_at_{};
    Clock::time_point shutdown_deadline_{};
};

}  // namespace hellod_soak
