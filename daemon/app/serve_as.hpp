#pragma once

#include <optional>

#include "os/identity.hpp"

namespace hellod {

// Once every socket is bound and before any thread starts: becomes `identity` for good and says
// so, or with none, says that root serves (--run-as-root) when it does.
void serve_as(const std::optional<Identity>& identity);

}  // namespace hellod
