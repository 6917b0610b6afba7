#include "server/peer_resolver.hpp"

#include <gtest/gtest.h>
#include <sys/un.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "socket_address.hpp"

namespace hellod {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

Clock::time_point soon() {
    return Clock::now() + 5s;
}

// An address literal, IPv4 or IPv6, with a port (the resolver must ignore the port).
net::SocketAddress ip(const char* text, unsigned port = 0) {
    return testing::socket_address(text, port);
}

std::string key(const net::SocketAddress& a) {
    return net::address_key(a.get(), a.length);
}

// A gate that injected lookups stop at until the test opens it.
class Latch {
  public:
    void arrive_and_wait() {
        std::unique_lock lock(mutex_);
        ++arrived_;
        changed_.notify_all();
        changed_.wait(lock, [this] { return open_; });
    }
    bool wait_for_arrivals(int count) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, 5s, [&] { return arrived_ >= count; });
    }
    int arrivals() {
        std::lock_guard lock(mutex_);
        return arrived_;
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int arrived_ = 0;
    bool open_ = false;
};

// Opens the latch when a test leaves, through a failed ASSERT too, so that nothing destroyed
// after it (the resolver joining its threads, a future from std::async) waits forever.
struct OpenOnExit {
    Latch& latch;
    ~OpenOnExit() { latch.open(); }
};

// DNS records that cannot exist on this machine. Filled before the resolver starts, then only
// read; the counters and the families seen are what the tests check.
struct FakeDns {
    std::map<std::string, std::string> ptr;                // address key -> name
    std::multimap<std::string, net::SocketAddress> names;  // name -> address
    std::map<std::string, std::string> throws;             // address key -> message
    Latch* latch = nullptr;                                // reverse lookups wait here
    std::atomic<int> reverse_calls{0};
    std::atomic<int> forward_calls{0};
    std::mutex mutex;
    std::vector<int> reverse_families;
    std::vector<int> forward_families;

    void add(const net::SocketAddress& address, const std::string& name) {
        ptr[key(address)] = name;
        names.emplace(name, address);
    }

    PeerResolver::Lookups lookups() {
        return {[this](const net::SocketAddress& address) -> std::optional<std::string> {
                    ++reverse_calls;
                    {
                        std::lock_guard lock(mutex);
                        reverse_families.push_back(address.family());
                    }
                    if (latch != nullptr) latch->arrive_and_wait();
                    if (const auto t = throws.find(key(address)); t != throws.end())
                        throw std::runtime_error(t->second);
                    const auto found = ptr.find(key(address));
                    if (found == ptr.end()) return std::nullopt;
                    return found->second;
                },
                [this](const std::string& name, int family) {
                    ++forward_calls;
                    {
                        std::lock_guard lock(mutex);
                        forward_families.push_back(family);
                    }
                    std::vector<net::SocketAddress> out;
                    const auto [first, last] = names.equal_range(name);
                    // Every family, whatever was asked: the resolver must check.
                    for (auto it = first; it != last; ++it)
                        out.push_back(it->second);
                    return out;
                }};
    }
};

PeerResolver::Options one_thread() {
    PeerResolver::Options options;
    options.threads = 1;
    return options;
}

TEST(PeerResolver, ReturnsANameThatResolvesBackToThePeer) {
    FakeDns dns;
    dns.add(ip("192.0.2.7"), "other.example");
    dns.add(ip("192.0.2.1"), "host.example");
    dns.names.emplace("host.example", ip("192.0.2.7"));  // more than one A record
    PeerResolver resolver(dns.lookups());
    EXPECT_EQ(resolver.lookup(ip("192.0.2.1", 4242)).name(soon()), "host.example");
    EXPECT_EQ(dns.reverse_calls.load(), 1);
    EXPECT_EQ(dns.forward_calls.load(), 1);
}

TEST(PeerResolver, ConfirmsAnIpv6PeerAgainstIpv6AddressesOnly) {
    FakeDns dns;
    dns.add(ip("2001:db8::5"), "six.example");
    dns.add(ip("2001:db8::6"), "four.example");
    dns.names.emplace("four.example", ip("192.0.2.6"));
    PeerResolver resolver(dns.lookups());
    EXPECT_EQ(resolver.lookup(ip("2001:db8::5", 1)).name(soon()), "six.example");
    std::lock_guard lock(dns.mutex);
    EXPECT_EQ(dns.forward_families, std::vector<int>{AF_INET6});
}

TEST(PeerResolver, APtrNameTheForwardLookupContradictsIsNoName) {
    FakeDns dns;
    dns.ptr[key(ip("192.0.2.2"))] = "liar.example";
    dns.names.emplace("liar.example", ip("192.0.2.99"));
    dns.names.emplace("liar.example", ip("::ffff:192.0.2.2"));  // right bytes, wrong family
    PeerResolver resolver(dns.lookups());
    EXPECT_EQ(resolver.lookup(ip("192.0.2.2")).name(soon()), std::nullopt);
    EXPECT_EQ(dns.forward_calls.load(), 1) << "the forward lookup was the one that said no";
}

TEST(PeerResolver, NoPtrRecordIsNoName) {
    FakeDns dns;
    PeerResolver resolver(dns.lookups());
    EXPECT_EQ(resolver.lookup(ip("192.0.2.3")).name(soon()), std::nullopt);
    EXPECT_EQ(dns.reverse_calls.load(), 1);
    EXPECT_EQ(dns.forward_calls.load(), 0);
}

TEST(PeerResolver, APtrNameThatIsAnAddressIsNeverConfirmed) {
    for (const char* numeric :
         {"192.0.2.4", "192.0.2.4.", "127.1", "0x7f.0.0.1", "::ffff:192.0.2.4", "2001:db8::4"}) {
        FakeDns dns;
        dns.add(ip("192.0.2.4"), numeric);  // the forward lookup would confirm it
        PeerResolver resolver(dns.lookups());
        EXPECT_EQ(resolver.lookup(ip("192.0.2.4")).name(soon()), std::nullopt) << numeric;
        EXPECT_EQ(dns.reverse_calls.load(), 1) << numeric;
    }
}

TEST(PeerResolver, NamesLongerThanDnsAllowsOrHoldingNulAreNoName) {
    FakeDns dns;
    const std::string longest(253, 'a');
    dns.add(ip("192.0.2.5"), longest);
    dns.add(ip("192.0.2.6"), std::string(254, 'b'));
    dns.add(ip("192.0.2.7"), std::string("evil\0.example", 13));
    PeerResolver resolver(dns.lookups());
    EXPECT_EQ(resolver.lookup(ip("192.0.2.5")).name(soon()), longest);
    EXPECT_EQ(resolver.lookup(ip("192.0.2.6")).name(soon()), std::nullopt);
    EXPECT_EQ(resolver.lookup(ip("192.0.2.7")).name(soon()), std::nullopt);
    EXPECT_EQ(dns.reverse_calls.load(), 3);
}

TEST(PeerResolver, AnIpv4MappedPeerIsLookedUpAsIpv4) {
    FakeDns dns;
    dns.add(ip("192.0.2.10"), "mapped.example");
    PeerResolver resolver(dns.lookups());
    EXPECT_EQ(resolver.lookup(ip("::ffff:192.0.2.10", 5)).name(soon()), "mapped.example");
    std::lock_guard lock(dns.mutex);
    EXPECT_EQ(dns.reverse_families, std::vector<int>{AF_INET});
    EXPECT_EQ(dns.forward_families, std::vector<int>{AF_INET});
}

TEST(PeerResolver, AddressesOtherThanIpv4AndIpv6GetNoNameAndStartNoThread) {
    FakeDns dns;
    PeerResolver resolver(dns.lookups());
    EXPECT_EQ(resolver.stats().threads, 0u) << "threads start on the first lookup";
    sockaddr_un unix_address{};
    unix_address.sun_family = AF_UNIX;
    const auto pending =
        resolver.lookup(reinterpret_cast<const sockaddr*>(&unix_address), sizeof unix_address);
    EXPECT_TRUE(pending.ready());
    EXPECT_EQ(pending.name(soon()), std::nullopt);
    EXPECT_EQ(resolver.stats().threads, 0u);
    EXPECT_EQ(PeerResolver::Pending().name(soon()), std::nullopt);

    (void)resolver.lookup(ip("192.0.2.11")).name(soon());
    EXPECT_EQ(resolver.stats().threads, PeerResolver::Options().threads);
    EXPECT_EQ(dns.reverse_calls.load(), 1);
}

TEST(PeerResolver, AHangingLookupDelaysNeitherLookupNorTheWaiterPastItsDeadline) {
    FakeDns dns;
    Latch latch;
    dns.latch = &latch;
    dns.add(ip("192.0.2.20"), "slow.example");
    dns.add(ip("192.0.2.21"), "slow2.example");
    PeerResolver resolver(dns.lookups());
    std::future<PeerResolver::Pending> first, again, other;
    OpenOnExit open{latch};

    // On other threads, so that a lookup() that waited for DNS fails the test, not hangs it.
    const auto lookup_async = [&](const net::SocketAddress& peer) {
        return std::async(std::launch::async, [&resolver, peer] { return resolver.lookup(peer); });
    };
    first = lookup_async(ip("192.0.2.20", 1));
    ASSERT_EQ(first.wait_for(5s), std::future_status::ready);
    ASSERT_TRUE(latch.wait_for_arrivals(1)) << "the lookup reached the (stuck) reverse lookup";
    again = lookup_async(ip("192.0.2.20", 2));
    other = lookup_async(ip("192.0.2.21", 3));
    ASSERT_EQ(again.wait_for(5s), std::future_status::ready) << "lookup() waited for DNS";
    ASSERT_EQ(other.wait_for(5s), std::future_status::ready) << "lookup() waited for DNS";

    const auto pending = first.get();
    EXPECT_FALSE(pending.ready());
    const auto start = Clock::now();
    const auto deadline = start + 200ms;
    EXPECT_EQ(pending.name(deadline), std::nullopt);
    const auto returned = Clock::now();
    EXPECT_GE(returned, deadline);
    EXPECT_LT(returned - start, 5s);
    EXPECT_FALSE(pending.ready());

    latch.open();
    // The answer that came after the waiter gave up still reaches the Pending and the cache.
    EXPECT_EQ(pending.name(soon()), "slow.example");
    EXPECT_EQ(again.get().name(soon()), "slow.example");
    EXPECT_EQ(other.get().name(soon()), "slow2.example");
    EXPECT_TRUE(resolver.lookup(ip("192.0.2.20", 4)).ready());
    EXPECT_EQ(dns.reverse_calls.load(), 2);
}

TEST(PeerResolver, AFullQueueGivesNoNameAtOnceAndDoesNotGrow) {
    FakeDns dns;
    Latch latch;
    dns.latch = &latch;
    for (const char* address : {"192.0.2.30", "192.0.2.31", "192.0.2.32", "192.0.2.33"})
        dns.add(ip(address), std::string("q") + address + ".example");
    auto options = one_thread();
    options.queue_limit = 2;
    PeerResolver resolver(dns.lookups(), options);
    OpenOnExit open{latch};

    const auto busy = resolver.lookup(ip("192.0.2.30"));
    ASSERT_TRUE(latch.wait_for_arrivals(1));
    const auto queued1 = resolver.lookup(ip("192.0.2.31"));
    const auto queued2 = resolver.lookup(ip("192.0.2.32"));
    const auto turned_away = resolver.lookup(ip("192.0.2.33"));
    EXPECT_TRUE(turned_away.ready());
    EXPECT_EQ(turned_away.name(soon()), std::nullopt);
    const auto joined = resolver.lookup(ip("192.0.2.31", 9));  // no new queue entry
    EXPECT_FALSE(joined.ready());
    auto stats = resolver.stats();
    EXPECT_EQ(stats.queued, 2u);
    EXPECT_EQ(stats.dropped, 1u);

    latch.open();
    EXPECT_EQ(busy.name(soon()), "q192.0.2.30.example");
    EXPECT_EQ(queued1.name(soon()), "q192.0.2.31.example");
    EXPECT_EQ(joined.name(soon()), "q192.0.2.31.example");
    EXPECT_EQ(queued2.name(soon()), "q192.0.2.32.example");
    EXPECT_EQ(dns.reverse_calls.load(), 3) << "the address turned away was not looked up";
    // Being turned away is not remembered as having no name.
    EXPECT_EQ(resolver.lookup(ip("192.0.2.33")).name(soon()), "q192.0.2.33.example");
    EXPECT_EQ(resolver.stats().queued, 0u);
}

TEST(PeerResolver, ConcurrentLookupsOfOneAddressShareOneLookup) {
    FakeDns dns;
    Latch latch;
    dns.latch = &latch;
    dns.add(ip("192.0.2.40"), "flood.example");
    PeerResolver resolver(dns.lookups());
    OpenOnExit open{latch};

    const auto first = resolver.lookup(ip("192.0.2.40", 1));
    ASSERT_TRUE(latch.wait_for_arrivals(1));
    constexpr int threads = 8;
    constexpr int per_thread = 25;
    std::mutex mutex;
    std::vector<PeerResolver::Pending> pendings;
    {
        std::vector<std::jthread> clients;
        for (int t = 0; t < threads; ++t)
            clients.emplace_back([&, t] {
                for (int i = 0; i < per_thread; ++i) {
                    // Every port, and the IPv4-mapped form, is the same peer.
                    const auto peer = i % 2 == 0 ? ip("192.0.2.40", 1000 + t * per_thread + i)
                                                 : ip("::ffff:192.0.2.40", 1000 + i);
                    auto pending = resolver.lookup(peer);
                    std::lock_guard lock(mutex);
                    pendings.push_back(std::move(pending));
                }
            });
    }
    ASSERT_EQ(pendings.size(), static_cast<std::size_t>(threads * per_thread));
    EXPECT_EQ(resolver.stats().queued, 0u);
    latch.open();
    EXPECT_EQ(first.name(soon()), "flood.example");
    for (const auto& pending : pendings)
        EXPECT_EQ(pending.name(soon()), "flood.example");
    EXPECT_EQ(dns.reverse_calls.load(), 1);
    EXPECT_EQ(latch.arrivals(), 1);
}

TEST(PeerResolver, ANameIsCachedOnceKnown) {
    FakeDns dns;
    dns.add(ip("192.0.2.50"), "cached.example");
    PeerResolver resolver(dns.lookups());
    EXPECT_EQ(resolver.lookup(ip("192.0.2.50", 1)).name(soon()), "cached.example");
    const auto second = resolver.lookup(ip("::ffff:192.0.2.50", 2));
    EXPECT_TRUE(second.ready());
    EXPECT_EQ(second.name(Clock::now()), "cached.example");
    EXPECT_EQ(dns.reverse_calls.load(), 1);
    EXPECT_EQ(dns.forward_calls.load(), 1);
    EXPECT_EQ(resolver.stats().cached, 1u);
}

TEST(PeerResolver, NoNameIsCachedTooUnlessItsTtlIsZero) {
    FakeDns dns;
    dns.ptr[key(ip("192.0.2.61"))] = "liar.example";
    {
        PeerResolver resolver(dns.lookups());
        for (const char* address : {"192.0.2.60", "192.0.2.61"}) {
            EXPECT_EQ(resolver.lookup(ip(address)).name(soon()), std::nullopt);
            const auto again = resolver.lookup(ip(address));
            EXPECT_TRUE(again.ready()) << address;
            EXPECT_EQ(again.name(Clock::now()), std::nullopt);
        }
        EXPECT_EQ(dns.reverse_calls.load(), 2);
    }
    dns.reverse_calls = 0;
    auto options = PeerResolver::Options();
    options.negative_ttl = 0s;
    PeerResolver uncached(dns.lookups(), options);
    EXPECT_EQ(uncached.lookup(ip("192.0.2.60")).name(soon()), std::nullopt);
    EXPECT_EQ(uncached.lookup(ip("192.0.2.60")).name(soon()), std::nullopt);
    EXPECT_EQ(dns.reverse_calls.load(), 2);
    EXPECT_EQ(uncached.stats().cached, 0u);
}

TEST(PeerResolver, TheCacheIsCappedAndEvictsTheOldestFirst) {
    FakeDns dns;
    for (const char* address : {"192.0.2.70", "192.0.2.71", "192.0.2.72"})
        dns.add(ip(address), std::string("c") + address + ".example");
    auto options = PeerResolver::Options();
    options.cache_limit = 2;
    PeerResolver resolver(dns.lookups(), options);
    for (const char* address : {"192.0.2.70", "192.0.2.71", "192.0.2.72"})
        EXPECT_EQ(resolver.lookup(ip(address)).name(soon()),
                  std::string("c") + address + ".example");
    EXPECT_EQ(resolver.stats().cached, 2u);
    EXPECT_TRUE(resolver.lookup(ip("192.0.2.72")).ready());
    EXPECT_TRUE(resolver.lookup(ip("192.0.2.71")).ready());
    EXPECT_EQ(dns.reverse_calls.load(), 3);
    EXPECT_EQ(resolver.lookup(ip("192.0.2.70")).name(soon()), "c192.0.2.70.example");
    EXPECT_EQ(dns.reverse_calls.load(), 4) << "the oldest entry had gone";
    EXPECT_EQ(resolver.stats().cached, 2u);
}

TEST(PeerResolver, AThrowingLookupIsNoNameAndTheThreadCarriesOn) {
    FakeDns dns;
    dns.throws[key(ip("192.0.2.80"))] = "resolver exploded";
    dns.add(ip("192.0.2.81"), "fine.example");
    PeerResolver resolver(dns.lookups(), one_thread());
    EXPECT_EQ(resolver.lookup(ip("192.0.2.80")).name(soon()), std::nullopt);
    EXPECT_EQ(resolver.lookup(ip("192.0.2.81")).name(soon()), "fine.example");
}

TEST(PeerResolver, DestructionFailsQueuedLookupsAndPendingsOutliveTheResolver) {
    FakeDns dns;
    Latch latch;
    dns.latch = &latch;
    dns.add(ip("192.0.2.90"), "inflight.example");
    dns.add(ip("192.0.2.91"), "queued.example");
    std::optional<PeerResolver> resolver(std::in_place, dns.lookups(), one_thread());
    std::jthread destroyer;
    OpenOnExit open{latch};

    const auto in_flight = resolver->lookup(ip("192.0.2.90"));
    ASSERT_TRUE(latch.wait_for_arrivals(1));
    const auto queued = resolver->lookup(ip("192.0.2.91"));
    // The destructor waits for the lookup stuck in "DNS", but fails the queued one at once.
    destroyer = std::jthread([&] { resolver.reset(); });
    EXPECT_EQ(queued.name(soon()), std::nullopt);
    EXPECT_TRUE(queued.ready()) << "failed by the destructor, not timed out";
    EXPECT_FALSE(in_flight.ready());

    latch.open();
    destroyer.join();
    EXPECT_TRUE(in_flight.ready());
    EXPECT_EQ(in_flight.name(Clock::now()), "inflight.example");
    EXPECT_EQ(dns.reverse_calls.load(), 1);
}

// The first name /etc/hosts gives `address`, which is what getnameinfo answers from it.
std::optional<std::string> hosts_name(const std::string& address) {
    std::ifstream hosts("/etc/hosts");
    std::string line;
    while (std::getline(hosts, line)) {
        std::istringstream fields(line.substr(0, line.find('#')));
        std::string first, name;
        if (fields >> first >> name && first == address) return name;
    }
    return std::nullopt;
}

TEST(PeerResolverSystem, LoopbackIpv4IsNamedFromEtcHosts) {
    const auto expected = hosts_name("127.0.0.1");
    if (!expected) GTEST_SKIP() << "/etc/hosts does not name 127.0.0.1";
    PeerResolver resolver;
    EXPECT_EQ(resolver.lookup(ip("127.0.0.1", 4000)).name(soon()), expected);
    EXPECT_EQ(resolver.lookup(ip("::ffff:127.0.0.1", 4001)).name(soon()), expected);
}

TEST(PeerResolverSystem, LoopbackIpv6IsNamedFromEtcHosts) {
    const auto expected = hosts_name("::1");
    if (!expected) GTEST_SKIP() << "/etc/hosts does not name ::1";
    PeerResolver resolver;
    EXPECT_EQ(resolver.lookup(ip("::1", 4000)).name(soon()), expected);
}

}  // namespace
}  // namespace hellod
