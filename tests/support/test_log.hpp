#pragma once

// The log for in-process tests: text to the terminal, at the level a fixture asks for.
#include "log/log.hpp"

namespace hellod::testing {

// Installs the sink once per test binary (log::init replaces sinks, so once is enough) and sets
// `level` every time, so that a fixture gets its level whichever fixture ran first.
inline void log_to_terminal(LogLevel level) {
    static const bool once = (log::init(level, log::Destination::terminal, LogFormat::text), true);
    (void)once;
    log::set_level(level);
}

}  // namespace hellod::testing
