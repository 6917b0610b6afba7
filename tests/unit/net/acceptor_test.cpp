// net/acceptor on real loopback sockets: the wait, the batch, the backlog, and the spare
// descriptor that turns a client away when none are left.
#include "net/acceptor.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "net/listener.hpp"
#include "socket_address.hpp"

namespace hellod::net {
namespace {

using namespace std::chrono_literals;
using Clock = Acceptor::Clock;

// A loopback listener on a port of the kernel's choosing, and its port.
std::pair<Acceptor, unsigned> loopback_acceptor(int backlog = 16) {
    auto set = open_listeners({"127.0.0.1:0"}, backlog);
    const unsigned port = bound_port(set.listeners.at(0).fd.get());
    return {Acceptor(std::move(set.listeners)), port};
}

UniqueFd connect_to(unsigned port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const auto address = testing::socket_address("127.0.0.1", port);
    EXPECT_EQ(::connect(fd.get(), address.get(), address.length), 0);
    return fd;
}

TEST(Acceptor, WaitsForAConnectionAndTakesAll) {
    auto [acceptor, port] = loopback_acceptor();
    const auto nothing = acceptor.wait(Clock::now() + 50ms, false, nullptr);
    EXPECT_FALSE(nothing.woken);
    EXPECT_TRUE(nothing.listeners.empty());

    std::vector<UniqueFd> clients;
    for (int i = 0; i < 3; ++i)
        clients.push_back(connect_to(port));
    const auto ready = acceptor.wait(Clock::now() + 5s, false, nullptr);
    ASSERT_EQ(ready.listeners.size(), 1u);
    std::vector<Accepted> taken;
    const auto outcome = acceptor.accept_batch(ready.listeners[0],
                                               [&](Accepted a) { taken.push_back(std::move(a)); });
    EXPECT_EQ(outcome.stop, Acceptor::Stop::drained);
    ASSERT_EQ(taken.size(), 3u);
    for (const auto& a : taken) {
        EXPECT_TRUE(a.fd);
        EXPECT_EQ(to_string(a.peer.get(), a.peer.length).rfind("127.0.0.1:", 0), 0u);
    }
}

TEST(Acceptor, ABatchIsBoundedSoOtherListenersGetTheirTurn) {
    auto [acceptor, port] = loopback_acceptor(128);
    std::vector<UniqueFd> clients;
    for (int i = 0; i < 70; ++i)
        clients.push_back(connect_to(port));
    std::size_t taken = 0;
    acceptor.accept_batch(0, [&](Accepted) { ++taken; });
    EXPECT_EQ(taken, 64u);
    acceptor.accept_batch(0, [&](Accepted) { ++taken; });
    EXPECT_EQ(taken, 70u);
}

TEST(Acceptor, WakeEndsAWaitFromAnotherThread) {
    auto [acceptor, port] = loopback_acceptor();
    // Whether the wake-up comes before the wait or during it, the wait must end with it.
    std::thread waker([&] { acceptor.wake(); });
    const auto start = Clock::now();
    const auto ready = acceptor.wait(std::nullopt, false, nullptr);
    waker.join();
    EXPECT_TRUE(ready.woken);
    EXPECT_LT(Clock::now() - start, 5s);
    // Cleared: the next wait does not see the same wake-up again.
    EXPECT_FALSE(acceptor.wait(Clock::now() + 10ms, false, nullptr).woken);
}

TEST(Acceptor, PausedWaitsOnlyForTheWakeUp) {
    auto [acceptor, port] = loopback_acceptor();
    const auto client = connect_to(port);
    EXPECT_TRUE(acceptor.wait(Clock::now() + 20ms, true, nullptr).listeners.empty());
    EXPECT_EQ(acceptor.wait(Clock::now() + 5s, false, nullptr).listeners.size(), 1u);
}

TEST(Acceptor, ABacklogAppliesInPlace) {
    auto [acceptor, port] = loopback_acceptor();
    EXPECT_TRUE(acceptor.set_backlog(1024).empty());
    const auto client = connect_to(port);  // still listening
    std::size_t taken = 0;
    acceptor.accept_batch(0, [&](Accepted) { ++taken; });
    EXPECT_EQ(taken, 1u);
}

// The descriptor table full: accept reports it, and the spare makes room for one client, who
// is handed over to be turned away; then the spare is taken back.
TEST(Acceptor, WithNoDescriptorLeftTheSpareTurnsOneClientAway) {
    auto [acceptor, port] = loopback_acceptor();
    const auto client = connect_to(port);
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    std::vector<UniqueFd> filler;
    rlimit tight = saved;
    tight.rlim_cur = 64;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
    for (;;) {
        UniqueFd fd(::dup(0));
        if (!fd) break;
        filler.push_back(std::move(fd));
    }
    const auto outcome = acceptor.accept_batch(0, [](Accepted) { ADD_FAILURE() << "accepted"; });
    EXPECT_EQ(outcome.stop, Acceptor::Stop::out_of_descriptors);
    EXPECT_EQ(outcome.error, EMFILE);
    int turned_away = 0;
    const bool spare = acceptor.turn_away_with_spare(0, [&](Accepted a) {
        EXPECT_TRUE(a.fd);
        ++turned_away;
    });
    EXPECT_EQ(turned_away, 1);
    EXPECT_TRUE(spare);
    filler.clear();
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
}

}  // namespace
}  // namespace hellod::net
