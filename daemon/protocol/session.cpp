#include "protocol/session.hpp"

#include "protocol/greeting.hpp"

namespace hellod::protocol {

std::string_view to_string(EndReason reason) {
    switch (reason) {
        case EndReason::exit:
            return "exit";
        case EndReason::eof:
            return "eof";
        case EndReason::idle:
            return "idle";
        case EndReason::busy:
            return "busy";
        case EndReason::shutdown:
            return "shutdown";
        case EndReason::error:
            return "error";
    }
    return "error";
}

SessionResult run_session(Stream& stream, const Settings& settings, std::string_view peer) {
    // Only the greeting protocol is served so far; main() refuses the others at start-up.
    return run_greeting(stream, settings, peer);
}

}  // namespace hellod::protocol
