#pragma once

#include "config/invocation.hpp"

namespace hellod {

// --test-config: the checks a start makes before it binds, without binding; prints one line
// and returns 0 when they pass, or throws what the start would.
int test_config(const Invocation& invocation);

}  // namespace hellod
