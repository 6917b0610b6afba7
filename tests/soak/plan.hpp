#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hellod_soak {

// The kinds of client the soak mixes.
enum class Kind {
    well_behaved,  // a whole conversation, every byte checked
    exit,          // closes (FIN) mid-conversation
    drop,          // sends and closes without reading a byte
    reset,         // SO_LINGER {1, 0} and close: a reset, at various points
    stall,         // sends part of a line, or nothing, and waits for the idle timeout
    garbage,       // random bytes, telnet commands, over-long lines; then half-closes
    slow_reader,   // sends a lot and never reads: the write timeout (or shutdown) ends it
};
inline constexpr std::size_t kKinds = 7;
std::string_view kind_name(Kind kind);

// One send: the bytes, once `after_lines` server lines have arrived, and `pause` later.
struct Step {
    std::string bytes;
    std::size_t after_lines = 0;
    std::chrono::milliseconds pause{0};
};

// What the client does once its steps are sent.
enum class Ending {
    read_to_eof,  // the server ends the session (exit command, interrupt): read until EOF
    half_close,   // shutdown(SHUT_WR), then read until EOF
    close,        // close() once `end_after_lines` server lines are in
    reset,        // SO_LINGER {1, 0}, then close() once `end_after_lines` lines are in
    stall,        // wait for the server's idle close
    slow_read,    // never read; send `slow_line` until the server gives up
};

// One client, decided up front from the seed and its number, so that --seed replays it.
struct Plan {
    Kind kind = Kind::well_behaved;
    std::string variant;  // which flavour of the kind, for failure messages and figures
    std::vector<Step> steps;
    Ending ending = Ending::read_to_eof;
    std::size_t end_after_lines = 0;
    bool reads = true;       // drop and slow_read never read (until the server gave up)
    std::size_t rcvbuf = 0;  // SO_RCVBUF before connect, when not 0
    // Everything the server must send after its welcome when the session runs to its end.
    // Clients that close first (Ending::close, reset) check only that what they read is a
    // prefix of it.
    std::string body;
    // A stall without an idle close: only the shutdown line may end it, never a bare close.
    bool shutdown_only = false;
    std::size_t server_lines = 0;          // lines in `body` (for the figures)
    std::string slow_line;                 // slow_read: the line sent again and again
    std::string slow_reply;                // and its answer
    std::chrono::milliseconds timeout{0};  // from connect to the end, at most
};

}  // namespace hellod_soak
