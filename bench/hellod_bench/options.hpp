#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocol.hpp"
#include "proxy_header.hpp"

namespace hellod_bench {

enum class Mode { pingpong, churn, hold, startup, free_port, help };

struct Options {
    Mode mode = Mode::help;
    std::string target = "127.0.0.1:9999";
    int conns = 1;                // -c
    double duration = 5.0;        // -d (hold: how long to hold once all are up; 0 = until signal)
    bool duration_given = false;  //
    double warmup = 0.0;
    Protocol protocol = Protocol::greeting;
    ProxyVersion proxy = ProxyVersion::none;
    int pid = 0;                       // --pid: the server process to account
    double connect_timeout = 10;       // one connect attempt (to the welcome, for greeting)
    double setup_timeout = 120;        // all connections up (pingpong, hold)
    double reply_timeout = 10;         // --timeout: one reply (or churn session step)
    int ramp = 256;                    // connects in flight at most
    std::string line = "bench";        // the line each request sends
    int runs = 11;                     // startup: -n
    int server_cpu = -1;               // startup: pin the child to this CPU
    std::vector<std::string> command;  // startup: after --
};

// A command line the tool cannot run; what() is one sentence naming the option. Exit 64.
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// argv without the program name.
Options parse_options(std::span<char* const> args);

const char* usage_text();

}  // namespace hellod_bench
