#pragma once

#include <csignal>

namespace hellod_bench {

// Set by SIGINT/SIGTERM (installed without SA_RESTART, so epoll_wait returns at once).
extern volatile std::sig_atomic_t g_stop_requested;

void install_stop_handlers();

}  // namespace hellod_bench
