// The real Server in-process on an ephemeral port, driven over real loopback sockets.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "log/log.hpp"
#include "test_client.hpp"
#include "test_log.hpp"
#include "test_server.hpp"

namespace hellod::testing {
namespace {

using namespace std::chrono_literals;

class ServerTest : public ::testing::Test {
  protected:
    void SetUp() override { log_to_terminal(LogLevel::warning); }
};

TEST_F(ServerTest, ServesTheSpecTranscriptByteForByte) {
    TestServer server;
    TestClient client(server.port());
    client.send("Michael\r\nTracy\n\n  Sarah  \nexit\n");
    EXPECT_EQ(client.read_to_eof(),
              "Welcome!\r\nHello, Michael!\r\nHello, Tracy!\r\nHello, Sarah!\r\nBye!\r\n");
}

// Under the defaults one address cannot take every slot: its 65th session is turned away while
// another address is still served.
TEST_F(ServerTest, OneAddressCannotLockOthersOutUnderTheDefaults) {
    TestServer server;  // every limit at its default
    std::vector<std::unique_ptr<TestClient>> open;
    for (int i = 0; i < 64; ++i) {
        open.push_back(std::make_unique<TestClient>(server.port(), "127.0.0.1"));
        ASSERT_EQ(open.back()->read_exactly(10), "Welcome!\r\n") << "client " << i;
    }
    TestClient one_more(server.port(), "127.0.0.1");
    EXPECT_EQ(one_more.read_to_eof(), "Error: server busy, try again later\r\n");
    TestClient someone_else(server.port(), "127.0.0.2");
    EXPECT_EQ(someone_else.read_exactly(10), "Welcome!\r\n");
}

TEST_F(ServerTest, ThreeHundredClientsAtOnceEachWithItsOwnWorker) {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);

    Settings settings = quick_settings();
    settings.max_connections_per_ip = 0;  // all 300 come from 127.0.0.1
    TestServer server(settings);
    constexpr int clients = 300;
    std::vector<std::unique_ptr<TestClient>> open;
    for (int i = 0; i < clients; ++i) {
        open.push_back(std::make_unique<TestClient>(server.port()));
        ASSERT_EQ(open.back()->read_exactly(10), "Welcome!\r\n") << "client " << i;
    }
    // All 300 welcomed and still connected: each holds a live worker thread of its own.
    EXPECT_EQ(server.server().live_connections(), static_cast<std::size_t>(clients));
    EXPECT_EQ(server.server().worker_threads(), static_cast<std::size_t>(clients));
    for (int i = 0; i < clients; ++i)
        open[i]->send("client" + std::to_string(i) + "\n");
    for (int i = 0; i < clients; ++i) {
        const std::string want = "Hello, client" + std::to_string(i) + "!\r\n";
        ASSERT_EQ(open[i]->read_exactly(want.size()), want);
    }
    for (auto& c : open)
        c->send("exit\n");
    for (auto& c : open)
        EXPECT_EQ(c->read_to_eof(), "Bye!\r\n");
    EXPECT_TRUE(eventually([&] { return server.server().worker_threads() == 0; }));
    EXPECT_EQ(server.server().live_connections(), 0u);
}

TEST_F(ServerTest, MaxConnectionsTurnsTheNextClientAwayWithTheBusyLine) {
    Settings s = quick_settings();
    s.max_connections = 2;
    TestServer server(s);
    auto a = std::make_unique<TestClient>(server.port());
    TestClient b(server.port());
    ASSERT_EQ(a->read_exactly(10), "Welcome!\r\n");
    ASSERT_EQ(b.read_exactly(10), "Welcome!\r\n");
    TestClient c(server.port());
    EXPECT_EQ(c.read_to_eof(), "Error: server busy, try again later\r\n");
    // A slot frees when a session ends (and the client closes), and the next client is served.
    a->send("exit\n");
    EXPECT_EQ(a->read_to_eof(), "Bye!\r\n");
    a.reset();
    ASSERT_TRUE(eventually([&] { return server.server().live_connections() == 1; }));
    TestClient d(server.port());
    EXPECT_EQ(d.read_exactly(10), "Welcome!\r\n");
}

TEST_F(ServerTest, MaxConnectionsPerIpCountsEachAddressSeparately) {
    Settings s = quick_settings();
    s.max_connections_per_ip = 1;
    TestServer server(s);
    TestClient first(server.port(), "127.0.0.1");
    ASSERT_EQ(first.read_exactly(10), "Welcome!\r\n");
    TestClient second(server.port(), "127.0.0.1");
    EXPECT_EQ(second.read_to_eof(), "Error: server busy, try again later\r\n");
    TestClient other(server.port(), "127.0.0.2");  // another address is not held back
    EXPECT_EQ(other.read_exactly(10), "Welcome!\r\n");
}

TEST_F(ServerTest, WildcardListenerIsDualStackAndCountsIpv4ClientsByAddress) {
    Settings s = quick_settings();
    s.listen = {"*:0"};
    s.max_connections_per_ip = 1;
    TestServer server(s);
    TestClient first(server.port(), "127.0.0.1");  // over IPv4, whether the socket is [::] or not
    ASSERT_EQ(first.read_exactly(10), "Welcome!\r\n");
    TestClient second(server.port(), "127.0.0.1");
    EXPECT_EQ(second.read_to_eof(), "Error: server busy, try again later\r\n");
    TestClient other(server.port(), "127.0.0.3");
    EXPECT_EQ(other.read_exactly(10), "Welcome!\r\n");
}

TEST_F(ServerTest, IdleTimeoutSendsTheLineAndCloses) {
    Settings s = quick_settings();
    s.idle_timeout = 200ms;
    TestServer server(s);
    TestClient client(server.port());
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(client.read_to_eof(), "Welcome!\r\nError: idle timeout\r\n");
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, 150ms);
    EXPECT_LT(took, 3s);
}

TEST_F(ServerTest, InputResetsTheIdleTimer) {
    Settings s = quick_settings();
    s.idle_timeout = 300ms;
    TestServer server(s);
    TestClient client(server.port());
    ASSERT_EQ(client.read_exactly(10), "Welcome!\r\n");
    for (int i = 0; i < 4; ++i) {  // 4 x 150 ms of activity outlasts one idle period
        std::this_thread::sleep_for(150ms);
        client.send("x\n");
        ASSERT_EQ(client.read_exactly(11), "Hello, x!\r\n");
    }
    EXPECT_EQ(client.read_to_eof(), "Error: idle timeout\r\n");
}

TEST_F(ServerTest, StopSendsEveryOpenSessionTheShutdownLine) {
    TestServer server;
    std::vector<std::unique_ptr<TestClient>> open;
    for (int i = 0; i < 5; ++i) {
        open.push_back(std::make_unique<TestClient>(server.port()));
        ASSERT_EQ(open.back()->read_exactly(10), "Welcome!\r\n");
    }
    const auto start = std::chrono::steady_clock::now();
    server.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    for (auto& c : open)
        EXPECT_EQ(c->read_to_eof(), "Error: server shutting down\r\n");
}

TEST_F(ServerTest, ShutdownTimeoutCutsASessionStuckInAWrite) {
    Settings s = quick_settings();
    s.shutdown_timeout = 300ms;
    s.write_timeout = 60s;  // so that only the shutdown timeout can end the stuck write
    TestServer server(s);
    TestClient stuck(server.port());
    const int tiny = 4096;
    setsockopt(stuck.fd(), SOL_SOCKET, SO_RCVBUF, &tiny, sizeof tiny);
    ASSERT_EQ(stuck.read_exactly(10), "Welcome!\r\n");
    // Lines whose replies the client never reads, until our own send would block: then the
    // server has stopped reading, because its worker is blocked writing replies.
    std::string lines;
    for (int i = 0; i < 64; ++i)
        lines += std::string(1000, 'x') + "\n";
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    bool blocked = false;
    while (!blocked && std::chrono::steady_clock::now() < deadline) {
        if (::send(stuck.fd(), lines.data(), lines.size(), MSG_NOSIGNAL | MSG_DONTWAIT) >= 0 ||
            errno != EAGAIN)
            continue;
        // Full now; blocked for good only if the server frees no room within 200 ms.
        pollfd writable{stuck.fd(), POLLOUT, 0};
        blocked = ::poll(&writable, 1, 200) == 0;
    }
    ASSERT_TRUE(blocked);
    ASSERT_TRUE(eventually([&] { return server.server().live_connections() == 1; }));
    const auto start = std::chrono::steady_clock::now();
    server.stop();
    // Whether the kernel lets the blocked write finish once the stop wakes it, or the cut after
    // shutdown-timeout ends it, the daemon must be done long before the 60 s write timeout.
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(ServerTest, WriteTimeoutEndsAClientThatNeverReadsAndOthersGoOn) {
    Settings s = quick_settings();
    s.write_timeout = 300ms;
    TestServer server(s);
    TestClient stuck(server.port());
    const int tiny = 4096;
    setsockopt(stuck.fd(), SOL_SOCKET, SO_RCVBUF, &tiny, sizeof tiny);
    ASSERT_EQ(stuck.read_exactly(10), "Welcome!\r\n");  // the session is live before we watch it
    std::string lines;
    for (int i = 0; i < 64; ++i)
        lines += std::string(1000, 'x') + "\n";
    // Send without ever reading. Each wait is for an event: room to send more (the server
    // still reads) or the connection failing (the server gave up on us). A server stuck in
    // its write frees no room, so only its write timeout can end the wait in time.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    bool ended = false;
    while (!ended && std::chrono::steady_clock::now() < deadline) {
        if (::send(stuck.fd(), lines.data(), lines.size(), MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
            continue;
        if (errno != EAGAIN) {
            ended = true;
            break;
        }
        pollfd wait{stuck.fd(), POLLOUT | POLLRDHUP, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (::poll(&wait, 1, static_cast<int>(std::max<long>(left.count(), 0))) > 0)
            ended = (wait.revents & (POLLERR | POLLHUP | POLLRDHUP)) != 0;
    }
    EXPECT_TRUE(ended) << "the server kept a worker blocked on a client that never reads";
    TestClient fine(server.port());
    fine.send("Ann\nexit\n");
    EXPECT_EQ(fine.read_to_eof(), "Welcome!\r\nHello, Ann!\r\nBye!\r\n");
}

TEST_F(ServerTest, ClientThatResetsMidSessionDoesNotDisturbOthers) {
    TestServer server;
    {
        TestClient rude(server.port());
        ASSERT_EQ(rude.read_exactly(10), "Welcome!\r\n");
        linger hard{1, 0};
        setsockopt(rude.fd(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        rude.send("Bob\n");
    }  // closed with RST
    TestClient fine(server.port());
    fine.send("Ann\nexit\n");
    EXPECT_EQ(fine.read_to_eof(), "Welcome!\r\nHello, Ann!\r\nBye!\r\n");
    EXPECT_TRUE(eventually([&] { return server.server().live_connections() == 0; }));
}

TEST_F(ServerTest, WorkerThreadsAreJoinedAfterSessionsEnd) {
    TestServer server;
    for (int i = 0; i < 50; ++i) {
        TestClient c(server.port());
        c.send("exit\n");
        ASSERT_EQ(c.read_to_eof(), "Welcome!\r\nBye!\r\n");
    }
    EXPECT_TRUE(eventually([&] { return server.server().worker_threads() == 0; }));
}

TEST_F(ServerTest, PipelinedLinesAfterExitAreNotAnswered) {
    TestServer server;
    TestClient c(server.port());
    c.send("a\nexit\nb\n");
    EXPECT_EQ(c.read_to_eof(), "Welcome!\r\nHello, a!\r\nBye!\r\n");
}

}  // namespace
}  // namespace hellod::testing
