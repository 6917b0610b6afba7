#pragma once

#include <string>
#include <string_view>

#include "io/stream.hpp"
#include "protocol/options.hpp"
#include "protocol/session_result.hpp"

namespace hellod::protocol {

// What a message-based protocol says to each message; the rest of the conversation (welcome,
// framing, exit command, limits, the common error lines) is run_conversation's.
class Answerer {
  public:
    virtual ~Answerer() = default;
    // Appends the answer to `message` (trimmed and not empty) to `out`, without a terminator.
    virtual void answer(std::string_view message, std::string& out) = 0;
};

// The loop greeting and timestamp share: the welcome, one answer per message (a line, or under
// raw framing what one read returns), the farewell on the exit command or a telnet interrupt.
SessionResult run_conversation(Stream& stream, const Options& options, std::string_view peer,
                               Answerer& answerer);

}  // namespace hellod::protocol
