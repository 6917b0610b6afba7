#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "os/identity.hpp"

namespace hellod {

// The warnings about these settings that a start works out from the machine, not from the
// settings alone, and that --test-config repeats: sessions that could take more memory than
// hellod has (os/memory_limit), and a config file that `identity` (the user hellod will serve
// as, if it switches) cannot read, so that every reload would fail (os/readable_as). Call it
// while still root.
std::vector<std::string> start_warnings(const Settings& settings,
                                        const std::optional<Identity>& identity);

}  // namespace hellod
