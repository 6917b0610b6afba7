#pragma once

#include <string>

namespace hellod {

// This machine's name as gethostname(2) gives it (a container's or pod's own name), for %h in
// the welcome and the reply: which instance behind a balancer answered. Empty if it cannot be
// read.
std::string host_name();

}  // namespace hellod
