#pragma once

#include <string>

#include "options.hpp"
#include "result.hpp"

namespace hellod_bench {

// The one JSON line of a pingpong, churn or hold run.
std::string report_json(const Options& options, const LoadResult& result);

}  // namespace hellod_bench
