#pragma once

#include <string>

namespace hellod {

// One value for one setting, as a source gave it.
struct Assignment {
    std::string name;    // the setting, "max-connections"
    std::string value;   // as written
    std::string origin;  // for messages: "--max-connections", "HELLOD_MAX_CONNECTIONS",
                         // "/etc/hellod/hellod.conf:3: max-connections"
};

}  // namespace hellod
