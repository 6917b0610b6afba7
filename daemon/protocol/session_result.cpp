#include "protocol/session_result.hpp"

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

}  // namespace hellod::protocol
