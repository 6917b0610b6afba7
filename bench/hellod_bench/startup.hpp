#pragma once

#include <string>

#include "options.hpp"
#include "target.hpp"

namespace hellod_bench {

// The startup mode: how long COMMAND takes from spawn to answering on the target.
// Returns the exit status; prints the JSON line.
int run_startup(const Options& options, const Target& target);

}  // namespace hellod_bench
