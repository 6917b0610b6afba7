#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/invocation.hpp"
#include "os/identity.hpp"

namespace hellod {

// What a start decides before it binds anything, worked out by the same code for
// --test-config, so that -t refuses where the start would refuse and warns where it would warn.
struct Preflight {
    std::optional<Identity> identity;   // whom to serve as once bound; nullopt: as started
    std::vector<std::string> warnings;  // in the order the start logs them
};

// Throws where the start would refuse: root without --user (or --run-as-root), a --user it
// cannot become, listen addresses that would take one socket twice. Warns about the settings
// (unknown HELLOD_* variables, rules that never match...), sessions that could take more memory
// than hellod has, a config file the user it becomes cannot read (so that every reload would
// fail), and, with --inetd, settings --inetd ignores. `activated`: systemd passed the listening
// sockets, so `listen` is not bound. Call it while still root.
Preflight preflight(const Invocation& invocation, bool activated);

// The capacity warnings once the start knows how many sockets it listens on, its descriptor
// limit (the soft limit raised to the hard one) and the threads it may run as the user it
// serves as: every session is a descriptor and a thread.
std::vector<std::string> capacity_warnings(const Settings& settings, std::size_t listeners,
                                           std::size_t descriptors,
                                           std::optional<std::uint64_t> tasks);

}  // namespace hellod
