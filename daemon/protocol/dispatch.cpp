#include "protocol/dispatch.hpp"

#include "protocol/echo.hpp"
#include "protocol/greeting.hpp"
#include "protocol/timestamp.hpp"

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
    switch (settings.protocol) {
        case Protocol::echo:
            return run_echo(stream);
        case Protocol::timestamp:
            return run_timestamp(stream, settings, peer);
        case Protocol::greeting:
            break;
    }
    return run_greeting(stream, settings, peer);
}

}  // namespace hellod::protocol
