#pragma once

#include <string>

#include "names.hpp"
#include "server_model.hpp"

namespace hellod_soak {

// Hostile input the server must survive and still answer exactly: NUL and control bytes,
// invalid UTF-8, terminal escapes, CR/LF mixes, telnet negotiation and sub-negotiation,
// IAC IAC, over-long lines and lines exactly at the limit, now and then the exit command or
// IAC IP/BRK (after which nothing more is read), and sometimes an unfinished IAC SB at the end
// that swallows the rest. 0xFF appears only inside telnet sequences this generator writes, so
// it never makes one the model refuses (see ServerModel).
std::string random_garbage(Rng& rng, const GreetingRules& rules);

}  // namespace hellod_soak
