// Reload through the real Server: new sessions get the new settings, open ones keep theirs, and
// sessions that race the reload are all served.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "log/log.hpp"
#include "test_client.hpp"
#include "test_log.hpp"
#include "test_server.hpp"

namespace hellod::testing {
namespace {

using namespace std::chrono_literals;

class ReloadTest : public ::testing::Test {
  protected:
    void SetUp() override { log_to_terminal(LogLevel::warning); }
};

// Settings the reload hands over, and a signal that the server took them.
struct Handover {
    Settings next;
    std::promise<void> taken;
    Server::Reload function() {
        return [this](const Settings&) {
            auto settings = std::make_shared<const Settings>(next);
            taken.set_value();
            return settings;
        };
    }
};

TEST_F(ReloadTest, NewSessionsUseTheNewSettingsAndOpenOnesKeepTheirs) {
    Handover handover;
    handover.next = quick_settings();
    handover.next.session.welcome = "Howdy!";
    handover.next.session.reply = ReplyTemplate::parse("Hi, %s.");
    TestServer server(quick_settings(), handover.function());

    TestClient before(server.port());
    ASSERT_EQ(before.read_exactly(10), "Welcome!\r\n");
    ASSERT_TRUE(server.reload_and_wait());

    TestClient after(server.port());
    after.send("Ann\nexit\n");
    EXPECT_EQ(after.read_to_eof(), "Howdy!\r\nHi, Ann.\r\nBye!\r\n");
    before.send("Bob\nexit\n");  // still the session it started as
    EXPECT_EQ(before.read_to_eof(), "Hello, Bob!\r\nBye!\r\n");
}

TEST_F(ReloadTest, ANewLimitAppliesToTheNextClient) {
    Handover handover;
    handover.next = quick_settings();
    handover.next.max_connections = 1;
    TestServer server(quick_settings(), handover.function());
    TestClient first(server.port());
    ASSERT_EQ(first.read_exactly(10), "Welcome!\r\n");
    ASSERT_TRUE(server.reload_and_wait());
    TestClient second(server.port());
    EXPECT_EQ(second.read_to_eof(), "Error: server busy, try again later\r\n");
}

TEST_F(ReloadTest, AFailedReloadChangesNothing) {
    std::promise<void> asked;
    TestServer server(quick_settings(), [&](const Settings&) {
        asked.set_value();
        return std::shared_ptr<const Settings>();
    });
    ASSERT_TRUE(server.reload_and_wait());
    ASSERT_EQ(asked.get_future().wait_for(0s), std::future_status::ready);
    TestClient client(server.port());
    client.send("exit\n");
    EXPECT_EQ(client.read_to_eof(), "Welcome!\r\nBye!\r\n");
}

// A reload that cannot finish (its config file on a hung network mount, say) holds up neither
// the accepts nor the stop: it runs on a thread of its own.
TEST_F(ReloadTest, AStuckReloadHoldsUpNeitherAcceptsNorTheStop) {
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::promise<void> started;
    TestServer server(quick_settings(), [&started, released](const Settings&) {
        started.set_value();
        released.wait_for(30s);
        return std::shared_ptr<const Settings>();
    });
    server.server().request_reload();
    ASSERT_EQ(started.get_future().wait_for(5s), std::future_status::ready);
    TestClient client(server.port());
    client.send("Ann\nexit\n");
    EXPECT_EQ(client.read_to_eof(), "Welcome!\r\nHello, Ann!\r\nBye!\r\n");
    const auto before = std::chrono::steady_clock::now();
    server.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - before, 3s);
    release.set_value();
}

TEST_F(ReloadTest, ReloadsUnderLoadDropNoSession) {
    Handover handover;
    handover.next = quick_settings();
    handover.next.session.welcome = "Howdy!";
    TestServer server(quick_settings(), handover.function());
    auto taken = handover.taken.get_future();

    std::atomic<bool> reloaded{false};
    std::atomic<int> sessions{0}, failures{0}, new_after_reload{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t) {
        clients.emplace_back([&, t] {
            // Each client runs sessions until it has seen several after the reload.
            for (int seen_new = 0; seen_new < 20;) {
                const bool was_reloaded = reloaded.load();
                TestClient client(server.port());
                const std::string name = "c" + std::to_string(t);
                client.send(name + "\nexit\n");
                const std::string got = client.read_to_eof();
                const std::string tail = "Hello, " + name + "!\r\nBye!\r\n";
                ++sessions;
                if (got == "Howdy!\r\n" + tail) {
                    ++seen_new;
                    if (was_reloaded) ++new_after_reload;
                } else if (got != "Welcome!\r\n" + tail || was_reloaded) {
                    // Any other answer is a dropped or mangled session, and once the reload is
                    // done every new session must see the new welcome.
                    ++failures;
                    ADD_FAILURE() << "session got: " << got;
                    return;
                }
            }
        });
    }
    ASSERT_TRUE(eventually([&] { return sessions.load() >= 40; }, 10s));
    ASSERT_TRUE(server.reload_and_wait());
    ASSERT_EQ(taken.wait_for(0s), std::future_status::ready);
    reloaded.store(true);
    for (auto& c : clients)
        c.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_GE(new_after_reload.load(), 4);
}

}  // namespace
}  // namespace hellod::testing
