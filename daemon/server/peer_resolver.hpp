#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/address.hpp"

namespace hellod {

// At namespace scope rather than nested, so that `Options options = {}` can be a default
// argument of PeerResolver's constructor.
struct PeerResolverOptions {
    std::size_t threads = 2;         // started on the first lookup that misses the cache
    std::size_t queue_limit = 256;   // lookups waiting for a thread; past it, no name at once
    std::size_t cache_limit = 4096;  // entries, named and nameless; the oldest is evicted first
    std::chrono::seconds positive_ttl{60};
    std::chrono::seconds negative_ttl{10};  // 0 turns the cache off for that kind of result
};

// Names peers by the double DNS check: the PTR name of the address counts only when that name
// resolves back to the address. Lookups run on a small pool of threads, so lookup() never
// waits for DNS; the caller bounds its own wait with the deadline it passes to Pending::name().
//
// Lifetime: the destructor fails every queued lookup at once and joins the pool, which means
// it waits for lookups already inside the system resolver: those cannot be cancelled, and a
// detached thread could outlive the process's teardown of what it uses. That wait is bounded
// by the resolver's own timeouts (resolv.conf `timeout` x `attempts` per query). Pending holds
// its result by shared_ptr, so it may outlive the resolver; once the resolver is gone every
// Pending is ready.
class PeerResolver {
  public:
    using Options = PeerResolverOptions;

    // The two halves of the check, injectable so that tests can stand in for DNS records.
    struct Lookups {
        // The PTR name of an address, or nullopt.
        std::function<std::optional<std::string>(const net::SocketAddress&)> reverse;
        // The addresses a name resolves to in `family`.
        std::function<std::vector<net::SocketAddress>(const std::string& name, int family)> forward;
    };
    // getnameinfo(NI_NAMEREQD) and getaddrinfo.
    static Lookups system_lookups();

    // A lookup's outcome, to be collected later. Cheap to copy; default-constructed = no name.
    class Pending {
      public:
        Pending() = default;
        // The confirmed name, waiting for it at most until `deadline`; nullopt when there is
        // none: no PTR, not confirmed, failed, overloaded, or not known by the deadline. The
        // name comes from a PTR record, so from whoever controls the peer's reverse zone:
        // escape it before logging it.
        std::optional<std::string> name(std::chrono::steady_clock::time_point deadline) const;
        // True once name() would return without waiting.
        bool ready() const;

      private:
        friend class PeerResolver;
        using Result = std::shared_future<std::optional<std::string>>;
        explicit Pending(Result result) : result_(std::move(result)) {}
        Result result_;
    };

    struct Stats {
        std::size_t threads = 0;  // started so far
        std::size_t queued = 0;   // waiting for a thread
        std::size_t cached = 0;
        std::uint64_t dropped = 0;  // lookups turned away because the queue was full
    };

    explicit PeerResolver(Lookups lookups = system_lookups(), Options options = {});
    PeerResolver(const PeerResolver&) = delete;
    PeerResolver& operator=(const PeerResolver&) = delete;
    ~PeerResolver();

    // Never waits for DNS: answers from the cache, joins a lookup of the same address already
    // under way, or queues a new one. Addresses other than IPv4 and IPv6 get no name.
    Pending lookup(const sockaddr* address, socklen_t length) noexcept;
    Pending lookup(const net::SocketAddress& address) noexcept {
        return lookup(address.get(), address.length);
    }

    Stats stats() const;

  private:
    struct Core;
    std::unique_ptr<Core> core_;
};

}  // namespace hellod
