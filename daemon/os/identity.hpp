#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace hellod {

// The user and group hellod serves as once it has dropped root (--user, --group).
struct Identity {
    uid_t uid = 0;
    gid_t gid = 0;
    std::string user;   // the name from the user database, or the number when it has none
    std::string group;  // likewise from the group database
};

// Looks up --user and --group in the system's databases (getpwnam_r, getgrnam_r; NSS, so LDAP
// and the like count). Each is a name or a numeric id; an id needs no entry in the database.
// An empty group means the user's primary group. Throws IdentityError with one sentence naming
// the option: no_such_account when a user or group does not exist (or a bare numeric user has
// no primary group to default to), refused for a user with uid 0 (serving as root is
// --run-as-root's job), system when the database cannot be read.
Identity resolve_identity(std::string_view user, std::string_view group);

// "user nobody (uid 65534), group nogroup (gid 65534)"
std::string describe(const Identity& identity);

}  // namespace hellod
