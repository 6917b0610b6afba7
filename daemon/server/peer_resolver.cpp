#include "server/peer_resolver.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <list>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>

#include "log/log.hpp"
#include "net/name_lookup.hpp"
#include "text/escape.hpp"

namespace hellod {
namespace {

using Clock = std::chrono::steady_clock;
using Name = std::optional<std::string>;
using Result = std::shared_future<Name>;

// The longest name DNS can carry (RFC 1035), well below NI_MAXHOST.
constexpr std::size_t max_name_length = 253;

// The double check. Throws whatever the lookups throw.
Name confirmed_name(const PeerResolver::Lookups& lookups, const net::SocketAddress& peer,
                    const std::string& key) {
    Name name = lookups.reverse(peer);
    if (!name) return std::nullopt;
    if (name->empty() || name->size() > max_name_length || name->find('\0') != std::string::npos ||
        net::is_numeric_host(*name)) {
        HLOG(debug) << "peer " << net::host_to_string(peer.get(), peer.length)
                    << ": unusable PTR name \"" << escaped(*name) << '"';
        return std::nullopt;
    }
    for (const auto& candidate : lookups.forward(*name, peer.family())) {
        if (candidate.family() == peer.family() &&
            net::address_key(candidate.get(), candidate.length) == key)
            return name;
    }
    HLOG(debug) << "peer " << net::host_to_string(peer.get(), peer.length) << ": PTR name \""
                << escaped(*name) << "\" does not resolve back to it";
    return std::nullopt;
}

Result ready_result(Name name) {
    std::promise<Name> promise;
    promise.set_value(std::move(name));
    return promise.get_future().share();
}

}  // namespace

// Everything under one mutex: lookup() holds it for a cache probe and a queue push, workers
// for bookkeeping only, never across a DNS query.
struct PeerResolver::Core {
    struct Job {
        net::SocketAddress address;
        std::string key;
        std::promise<Name> promise;
    };
    struct CacheEntry {
        Name name;
        Clock::time_point expires;
        std::list<std::string>::iterator age;  // position in cache_order
    };

    Core(Lookups l, Options o) : lookups(std::move(l)), options(o) { threads.reserve(o.threads); }

    std::optional<Result> cached(const std::string& key, Clock::time_point now) {
        const auto hit = cache.find(key);
        if (hit == cache.end()) return std::nullopt;
        if (now < hit->second.expires) return ready_result(hit->second.name);
        cache_order.erase(hit->second.age);
        cache.erase(hit);
        return std::nullopt;
    }

    void remember(const std::string& key, const Name& name, Clock::time_point now) {
        const auto ttl = name ? options.positive_ttl : options.negative_ttl;
        if (ttl <= std::chrono::seconds::zero() || options.cache_limit == 0) return;
        if (const auto old = cache.find(key); old != cache.end()) {
            cache_order.erase(old->second.age);
            cache.erase(old);
        }
        // Oldest first: with one TTL per kind, the oldest entry is close to the next to expire,
        // and this costs no scan.
        while (cache.size() >= options.cache_limit) {
            cache.erase(cache_order.front());
            cache_order.pop_front();
        }
        cache_order.push_back(key);
        try {
            cache.emplace(key, CacheEntry{name, now + ttl, std::prev(cache_order.end())});
        } catch (...) {
            cache_order.pop_back();
            throw;
        }
    }

    // Under the mutex. Starting threads here rather than in the constructor keeps a daemon
    // that never resolves a peer free of them.
    void start_threads() {
        while (threads.size() < options.threads) {
            try {
                threads.emplace_back([this] { work(); });
            } catch (const std::system_error& e) {
                HLOG(warning) << "peer names: cannot start a resolver thread: " << e.what();
                return;
            }
        }
    }

    void work() {
        std::unique_lock lock(mutex);
        for (;;) {
            wake.wait(lock, [this] { return stopping || !queue.empty(); });
            if (stopping) return;
            Job job = std::move(queue.front());
            queue.pop_front();
            lock.unlock();

            Name name;
            try {
                name = confirmed_name(lookups, job.address, job.key);
            } catch (const std::exception& e) {
                HLOG(debug) << "peer " << net::host_to_string(job.address.get(), job.address.length)
                            << ": name lookup failed: " << e.what();
            } catch (...) {
                // Whatever an injected lookup throws, the waiters get their answer.
            }

            lock.lock();
            // Filled even when every waiter gave up: the next connection from there gains.
            try {
                remember(job.key, name, Clock::now());
            } catch (const std::bad_alloc&) {
            }
            in_flight.erase(job.key);
            job.promise.set_value(std::move(name));
        }
    }

    const Lookups lookups;
    const Options options;

    mutable std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;
    std::deque<Job> queue;
    // Every address queued or being looked up, so that a flood from one address costs one lookup.
    std::unordered_map<std::string, Result> in_flight;
    std::unordered_map<std::string, CacheEntry> cache;
    std::list<std::string> cache_order;
    std::uint64_t dropped = 0;
    // Joined by ~PeerResolver, before anything above is destroyed.
    std::vector<std::thread> threads;
};

PeerResolver::Lookups PeerResolver::system_lookups() {
    return {net::reverse_name, net::forward_addresses};
}

PeerResolver::PeerResolver(Lookups lookups, Options options)
    : core_(std::make_unique<Core>(std::move(lookups), options)) {}

PeerResolver::~PeerResolver() {
    std::deque<Core::Job> abandoned;
    {
        std::lock_guard lock(core_->mutex);
        core_->stopping = true;
        abandoned.swap(core_->queue);
    }
    core_->wake.notify_all();
    for (auto& job : abandoned)
        job.promise.set_value(std::nullopt);
    // Waits for lookups inside getnameinfo/getaddrinfo to return; see the class comment.
    for (auto& thread : core_->threads)
        thread.join();
}

PeerResolver::Pending PeerResolver::lookup(const sockaddr* address, socklen_t length) noexcept {
    try {
        const auto peer = net::unmapped(address, length);
        auto key = net::address_key(peer.get(), peer.length);
        if (key.empty()) return {};

        Core& core = *core_;
        std::lock_guard lock(core.mutex);
        if (core.stopping) return {};
        if (auto hit = core.cached(key, Clock::now())) return Pending(std::move(*hit));
        if (const auto running = core.in_flight.find(key); running != core.in_flight.end())
            return Pending(running->second);
        if (core.queue.size() >= core.options.queue_limit) {
            ++core.dropped;
            HLOG(debug) << "peer " << net::host_to_string(address, length)
                        << ": name lookup queue full, no name";
            return {};
        }
        core.start_threads();
        if (core.threads.empty()) return {};

        Core::Job job{peer, key, {}};
        auto result = job.promise.get_future().share();
        core.in_flight.emplace(std::move(key), result);
        try {
            core.queue.push_back(std::move(job));
        } catch (...) {
            core.in_flight.erase(job.key);
            throw;
        }
        core.wake.notify_one();
        return Pending(std::move(result));
    } catch (const std::exception&) {
        // Out of memory: no name, rather than no connection.
        return {};
    }
}

PeerResolver::Stats PeerResolver::stats() const {
    std::lock_guard lock(core_->mutex);
    return {core_->threads.size(), core_->queue.size(), core_->cache.size(), core_->dropped};
}

std::optional<std::string> PeerResolver::Pending::name(Clock::time_point deadline) const {
    if (!result_.valid()) return std::nullopt;
    if (result_.wait_until(deadline) != std::future_status::ready) return std::nullopt;
    return result_.get();
}

bool PeerResolver::Pending::ready() const {
    return !result_.valid() ||
           result_.wait_for(std::chrono::seconds::zero()) == std::future_status::ready;
}

}  // namespace hellod
