#include "protocol/dispatch.hpp"

#include "protocol/echo.hpp"
#include "protocol/greeting.hpp"
#include "protocol/timestamp.hpp"

namespace hellod::protocol {

SessionResult run_session(Stream& stream, const Options& options, std::string_view peer) {
    switch (options.protocol) {
        case Protocol::echo:
            return run_echo(stream);
        case Protocol::timestamp:
            return run_timestamp(stream, options, peer);
        case Protocol::greeting:
            break;
    }
    return run_greeting(stream, options, peer);
}

}  // namespace hellod::protocol
