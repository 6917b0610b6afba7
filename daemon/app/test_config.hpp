#pragma once

#include "config/invocation.hpp"

namespace hellod {

// --test-config: the checks a start makes before it binds, without binding; prints one line
// and returns 0 when they pass, or throws what the start would. The warnings the start would log
// go to stderr ("hellod: warning: ...", or json lines under log-format json); they do not change
// the exit status, since the start itself goes ahead with them.
int test_config(const Invocation& invocation);

}  // namespace hellod
