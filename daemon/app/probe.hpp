#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "config/invocation.hpp"
#include "protocol/options.hpp"

namespace hellod {

// One address --probe checks, with the name its sentence gives it.
struct ProbeTarget {
    std::string host;
    std::string port;
    std::string name;  // "127.0.0.1:9999", "[::1]:9999", "localhost:9999"
};

// Where --probe connects: `target` (HOST:PORT) when given, else each `listen` address. A wildcard
// host (*, empty, 0.0.0.0) becomes 127.0.0.1 and :: becomes ::1, the loopback on which a server
// bound there answers. Throws FatalError(usage) with a sentence for an address that is malformed or
// has port 0 (the kernel's pick cannot be known from outside).
std::vector<ProbeTarget> probe_targets(std::string_view target,
                                       const std::vector<std::string>& listen);

struct ProbeResult {
    bool healthy = false;
    std::string
        sentence;  // "hellod at 127.0.0.1:9999 is healthy: ..." or "... is not healthy: ..."
};

// Holds one short session with the server at `target`, as `options` say it should answer:
// greeting and timestamp get the welcome (if any), a reply to one line, the exit command and
// farewell (if any) and the close; echo gets its bytes back and the close. A server that turns
// the probe away as busy is up, so healthy (restarting it would cut every session it holds);
// one that is shutting down is not. Everything, connecting included, ends within `timeout`.
ProbeResult probe(const ProbeTarget& target, const protocol::Options& options,
                  std::chrono::milliseconds timeout);

// --probe: probes each target, one line each, on stdout when healthy and on stderr when not;
// returns exit_code::ok when all are healthy, else exit_code::unhealthy.
int run_probe(const Invocation& invocation);

}  // namespace hellod
