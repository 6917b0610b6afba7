#pragma once

#include <sys/types.h>

#include <optional>
#include <string_view>

#include "os/identity.hpp"

namespace hellod {

// The process's real, effective and saved ids.
struct Credentials {
    uid_t real_uid = 0;
    uid_t effective_uid = 0;
    uid_t saved_uid = 0;
    gid_t real_gid = 0;
    gid_t effective_gid = 0;
    gid_t saved_gid = 0;

    bool operator==(const Credentials&) const = default;
};
Credentials current_credentials();

// Who the settings ask hellod to serve as: --user, --group and --run-as-root.
struct ServeAs {
    std::string_view user;  // empty = stay as started
    std::string_view group;
    bool run_as_root = false;
};

// The start-up rules, applied before anything is bound. Returns who to serve as (for
// drop_privileges once the sockets are bound), or nullopt to serve as started. Throws
// IdentityError: refused when hellod runs as root with neither --user nor --run-as-root;
// not_permitted when --user names another identity and hellod is not root, so it cannot
// switch; and what resolve_identity throws.
std::optional<Identity> identity_to_serve_as(const ServeAs& wanted, const Credentials& now);

// Becomes `identity` for good: the supplementary groups become just its group (the least
// privilege: no group membership the user has elsewhere comes along), then the real, effective
// and saved gid and uid, no capabilities left, and no_new_privs. Then checks that none of it
// can be undone (setuid(0) and friends must fail) and throws IdentityError(system)
// if any step fails or any check does not hold. When the process already is `identity` (a
// non-root start with a matching --user) only the capabilities, no_new_privs and the checks
// apply. Call it before any thread starts: capabilities are per thread. Returns whether the ids
// were switched.
bool drop_privileges(const Identity& identity);

}  // namespace hellod
