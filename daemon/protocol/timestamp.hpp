#pragma once

#include <ctime>
#include <string>

#include "io/stream.hpp"
#include "protocol/options.hpp"
#include "protocol/session_result.hpp"

namespace hellod::protocol {

// protocol = timestamp: each line L answered "[Thu Sep 15 22:29:12 2016] L", in the daemon's
// time zone (TZ, else /etc/localtime); no welcome unless one is set.
SessionResult run_timestamp(Stream& stream, const Options& options, std::string_view peer = {});

// `when` in the C ctime() layout, local time, without ctime's newline.
std::string ctime_text(std::time_t when);

}  // namespace hellod::protocol
