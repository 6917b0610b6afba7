#pragma once

// The daemon's own descriptor owner (a header of its own): the bench links nothing else of the
// daemon.
#include "net/fd.hpp"

namespace hellod_bench {

using hellod::net::UniqueFd;

}  // namespace hellod_bench
