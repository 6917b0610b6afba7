#include "app/serve_as.hpp"

#include <unistd.h>

#include "log/log.hpp"
#include "os/privileges.hpp"

namespace hellod {

void serve_as(const std::optional<Identity>& identity) {
    if (!identity) return;  // as started; serving as root was warned about (app/preflight)
    if (drop_privileges(*identity))
        HLOG(info) << "dropped root: serving as " << describe(*identity)
                   << ", with no capabilities, no other groups and no way back";
    else
        HLOG(info) << "serving as " << describe(*identity) << " (as started)";
}

}  // namespace hellod
