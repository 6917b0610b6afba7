#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hellod_soak {

inline constexpr std::string_view kShutdownLine = "Error: server shutting down\r\n";

// What the bytes a client received so far say.
struct Verdict {
    enum class State {
        partial,   // consistent so far, more is due
        complete,  // exactly what was expected, and the server closed
        mismatch,  // a wrong byte, or a close too early
    };
    State state = State::partial;
    std::size_t welcome = 0;  // which welcome the server sent (valid once it is in)
    bool welcomed = false;
    bool shutting_down = false;  // the shutdown line has begun (sending more is pointless)
    std::string detail;          // for a mismatch: where, what was expected, what came
};

// Checks `received` against one of `welcomes` (whole lines; a reload may land between any two
// sessions) followed by `body`. With `shutdown_allowed`, the shutdown line may replace the
// rest of the body at any line boundary, as a SIGTERM does. `closed`: the server has closed,
// so nothing more will come.
Verdict check_output(std::string_view received, const std::vector<std::string>& welcomes,
                     std::string_view body, bool shutdown_allowed, bool closed);

// Bytes made readable on one line: printable ASCII as is, the rest as \r, \n, \xHH.
std::string escape_bytes(std::string_view bytes, std::size_t max = 60);

}  // namespace hellod_soak
