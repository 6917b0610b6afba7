#pragma once

#include "protocol/session.hpp"

namespace hellod::protocol {

// protocol = greeting: welcome, "Hello, %s!" per line, farewell on the exit command.
SessionResult run_greeting(Stream& stream, const Settings& settings, std::string_view peer = {});

// A line without leading and trailing spaces and tabs.
std::string_view trim(std::string_view line);

}  // namespace hellod::protocol
