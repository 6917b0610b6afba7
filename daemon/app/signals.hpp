#pragma once

#include <signal.h>

namespace hellod {

class Server;
class UdpEcho;

// Stop and reload signals stay blocked in every thread (workers inherit this mask) and are
// taken only while the accept loop waits, so no worker's system call is ever interrupted by
// one, and a SIGHUP that arrives before the loop waits is kept pending, not fatal. Also ignores
// SIGPIPE. Call before any thread starts; returns the mask for the loop's wait.
sigset_t block_signals();

// While it lives, SIGTERM and SIGINT stop `server` (and `udp`, when there is one), and SIGHUP
// asks `server` to reload, or is ignored when `reload` is false (one --inetd session has
// nothing to reload, and a stray SIGHUP must not end it).
class SignalRoute {
  public:
    SignalRoute(Server& server, UdpEcho* udp, bool reload);
    SignalRoute(const SignalRoute&) = delete;
    SignalRoute& operator=(const SignalRoute&) = delete;
    ~SignalRoute();
};

}  // namespace hellod
