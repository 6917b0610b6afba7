#include "app/serve_as.hpp"

#include <unistd.h>

#include "log/log.hpp"
#include "os/privileges.hpp"

namespace hellod {

void serve_as(const std::optional<Identity>& identity) {
    if (!identity) {
        if (::geteuid() == 0)
            HLOG(warning) << "serving as root (run-as-root): every session runs with root's "
                             "privileges; --user drops them once the sockets are bound";
        return;
    }
    if (drop_privileges(*identity))
        HLOG(info) << "dropped root: serving as " << describe(*identity)
                   << ", with no capabilities, no other groups and no way back";
    else
        HLOG(info) << "serving as " << describe(*identity) << " (as started)";
}

}  // namespace hellod
