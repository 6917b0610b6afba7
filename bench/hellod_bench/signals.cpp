#include "signals.hpp"

#include <cstring>

namespace hellod_bench {

volatile std::sig_atomic_t g_stop_requested = 0;

namespace {
void on_stop(int) {
    g_stop_requested = 1;
}
}  // namespace

void install_stop_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace hellod_bench
