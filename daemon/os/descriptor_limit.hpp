#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace hellod {

// Raises the soft RLIMIT_NOFILE to the hard limit (every session holds a descriptor) and
// returns the soft limit now in force.
std::size_t raise_descriptor_limit();
// What raise_descriptor_limit would return, without raising it (for --test-config).
std::size_t descriptor_limit_if_raised();

// A warning when max-connections cannot all be open at once with `descriptor_limit`
// descriptors (each session needs one, and the daemon keeps a few for itself).
std::optional<std::string> capacity_warning(std::size_t max_connections, std::size_t listeners,
                                            std::size_t descriptor_limit);

}  // namespace hellod
