#include "app/signals.hpp"

#include <array>
#include <atomic>

#include "server/server.hpp"
#include "server/udp_echo.hpp"

namespace hellod {
namespace {

// What the handlers reach; lock-free atomics, so reading them is async-signal-safe.
std::atomic<Server*> g_server{nullptr};
std::atomic<UdpEcho*> g_udp{nullptr};

extern "C" void on_stop_signal(int) {
    if (auto* udp = g_udp.load()) udp->stop();
    if (auto* server = g_server.load()) server->stop();
}

extern "C" void on_reload_signal(int) {
    if (auto* server = g_server.load()) server->request_reload();
}

}  // namespace

sigset_t block_signals() {
    constexpr std::array handled{SIGTERM, SIGINT, SIGHUP};
    sigset_t blocked;
    sigemptyset(&blocked);
    for (const int signal_number : handled)
        sigaddset(&blocked, signal_number);
    sigset_t wait_mask;
    pthread_sigmask(SIG_BLOCK, &blocked, &wait_mask);
    for (const int signal_number : handled)
        sigdelset(&wait_mask, signal_number);
    signal(SIGPIPE, SIG_IGN);  // every send uses MSG_NOSIGNAL; this covers anything else
    return wait_mask;
}

SignalRoute::SignalRoute(Server& server, UdpEcho* udp, bool reload) {
    g_udp.store(udp);
    g_server.store(&server);
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    action.sa_handler = reload ? on_reload_signal : SIG_IGN;
    sigaction(SIGHUP, &action, nullptr);
}

SignalRoute::~SignalRoute() {
    g_server.store(nullptr);
    g_udp.store(nullptr);
}

}  // namespace hellod
