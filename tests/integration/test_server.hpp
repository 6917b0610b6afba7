#pragma once

// The real Server, in-process, on an ephemeral loopback port, run on a thread of the test.
#include <chrono>
#include <memory>
#include <thread>

#include "config/settings.hpp"
#include "net/listener.hpp"
#include "server/server.hpp"

namespace hellod::testing {

inline Settings quick_settings() {
    Settings s;
    s.listen = {"127.0.0.1:0"};
    s.shutdown_timeout = std::chrono::seconds(2);
    return s;
}

class TestServer {
  public:
    // `manager`, when given, hears the server's status (and must outlive it).
    explicit TestServer(Settings settings = quick_settings(), Server::Reload reload = {},
                        ServiceManager* manager = nullptr) {
        auto set = net::open_listeners(settings.listen, 512);
        port_ = net::bound_port(set.listeners.at(0).fd.get());
        server_ = std::make_unique<Server>(std::make_shared<const Settings>(std::move(settings)),
                                           std::move(set.listeners));
        if (reload) server_->on_reload(std::move(reload));
        if (manager) server_->set_service_manager(*manager);
        thread_ = std::thread([this] { server_->run(); });
    }
    ~TestServer() { stop(); }

    // Stops and waits for run() to return (every worker joined).
    void stop() {
        if (thread_.joinable()) {
            server_->stop();
            thread_.join();
        }
    }

    unsigned port() const { return port_; }
    Server& server() { return *server_; }

    // Asks for a reload and waits (at most `limit`) until run()'s thread has applied its result
    // (or kept the old settings): from then on every new session sees the outcome.
    bool reload_and_wait(std::chrono::milliseconds limit = std::chrono::seconds(5));

  private:
    unsigned port_ = 0;
    std::unique_ptr<Server> server_;
    std::thread thread_;
};

// Waits for `condition` for at most `limit`, polling: for server-internal counters that offer
// no event to wait on. Returns the condition's last value.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

inline bool TestServer::reload_and_wait(std::chrono::milliseconds limit) {
    const auto before = server_->reloads_finished();
    server_->request_reload();
    return eventually([&] { return server_->reloads_finished() > before; }, limit);
}

}  // namespace hellod::testing
