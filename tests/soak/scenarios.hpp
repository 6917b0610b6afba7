#pragma once

#include "options.hpp"

namespace hellod_soak {

// Each returns the exit code: 0 PASS, 1 FAIL.
int run_load(const Options& options, std::uint64_t seed);
int run_sigterm(const Options& options, std::uint64_t seed);

}  // namespace hellod_soak
