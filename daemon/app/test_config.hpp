#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/invocation.hpp"
#include "os/identity.hpp"

namespace hellod {

// --test-config: the checks a start makes before it binds, without binding; prints one line
// and returns 0 when they pass, or throws what the start would. The warnings the start would log
// go to stderr ("hellod: warning: ...", or json lines under log-format json); they do not change
// the exit status, since the start itself goes ahead with them.
int test_config(const Invocation& invocation);

// The warnings about these settings that a start works out from the machine, not from the
// settings alone, and that --test-config repeats: sessions that could take more memory than
// hellod has (os/memory_limit), and a config file that `identity` (the user hellod will serve
// as, if it switches) cannot read, so that every reload would fail (os/readable_as). Call it
// while still root.
std::vector<std::string> start_warnings(const Settings& settings,
                                        const std::optional<Identity>& identity);

}  // namespace hellod
