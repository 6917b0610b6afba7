#pragma once

#include "protocol/conversation.hpp"

namespace hellod::protocol {

// protocol = greeting: welcome, "Hello, %s!" per line, farewell on the exit command.
SessionResult run_greeting(Stream& stream, const Settings& settings, std::string_view peer = {});

}  // namespace hellod::protocol
