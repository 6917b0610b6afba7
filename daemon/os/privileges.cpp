#include "os/privileges.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "os/identity_error.hpp"

namespace hellod {
namespace {

using CapabilitySets = std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3>;

__user_cap_header_struct capability_header() {
    __user_cap_header_struct header{};
    header.version = _LINUX_CAPABILITY_VERSION_3;
    header.pid = 0;  // this thread
    return header;
}

bool has_capabilities() {
    auto header = capability_header();
    CapabilitySets sets{};
    if (::syscall(SYS_capget, &header, sets.data()) != 0) return true;  // cannot tell: assume so
    for (const auto& set : sets)
        if (set.effective != 0 || set.permitted != 0 || set.inheritable != 0) return true;
    return false;
}

std::string ids_text(const Credentials& c) {
    return "uid " + std::to_string(c.real_uid) + "/" + std::to_string(c.effective_uid) + "/" +
           std::to_string(c.saved_uid) + ", gid " + std::to_string(c.real_gid) + "/" +
           std::to_string(c.effective_gid) + "/" + std::to_string(c.saved_gid);
}

Credentials credentials_of(const Identity& identity) {
    Credentials c;
    c.real_uid = c.effective_uid = c.saved_uid = identity.uid;
    c.real_gid = c.effective_gid = c.saved_gid = identity.gid;
    return c;
}

[[noreturn]] void refuse_to_serve(const Identity& identity, const std::string& why) {
    throw IdentityError(IdentityError::Kind::system,
                        "dropping root for " + describe(identity) + " failed: " + why);
}

void step(const Identity& identity, const char* call, int result) {
    if (result != 0) refuse_to_serve(identity, std::string(call) + ": " + std::strerror(errno));
}

// Each check is something a process that could become root again would manage. The calls that
// must fail change nothing when they fail; should one succeed, the process exits at once.
void verify(const Identity& identity, bool switched) {
    const auto now = current_credentials();
    if (now != credentials_of(identity))
        refuse_to_serve(identity, "the process has " + ids_text(now) + " afterwards");
    if (switched) {
        std::vector<gid_t> groups(static_cast<std::size_t>(std::max(::getgroups(0, nullptr), 0)));
        const int count = ::getgroups(static_cast<int>(groups.size()), groups.data());
        if (count != 1 || groups[0] != identity.gid)
            refuse_to_serve(identity, "supplementary groups other than its own remain");
    }
    const gid_t root_group = 0;
    if (::setresuid(0, 0, 0) == 0 || ::setuid(0) == 0 || ::seteuid(0) == 0 ||
        ::setgroups(1, &root_group) == 0)
        refuse_to_serve(identity, "root's privileges can be regained");
    // A user may be given group 0 on purpose; then there is no other group to fall back from.
    if (identity.gid != 0 && (::setresgid(0, 0, 0) == 0 || ::setgid(0) == 0 || ::setegid(0) == 0))
        refuse_to_serve(identity, "root's group can be regained");
    if (has_capabilities()) refuse_to_serve(identity, "capabilities remain");
    if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        refuse_to_serve(identity, "no_new_privs is not set");
}

}  // namespace

Credentials current_credentials() {
    Credentials c;
    ::getresuid(&c.real_uid, &c.effective_uid, &c.saved_uid);
    ::getresgid(&c.real_gid, &c.effective_gid, &c.saved_gid);
    return c;
}

std::optional<Identity> identity_to_serve_as(const ServeAs& wanted, const Credentials& now) {
    const bool root = now.effective_uid == 0;
    if (wanted.user.empty()) {
        if (root && !wanted.run_as_root) {
            throw IdentityError(IdentityError::Kind::refused,
                                "refusing to serve as root: give --user NAME to drop to that user "
                                "once the sockets are bound, or --run-as-root to serve as root "
                                "anyway");
        }
        return std::nullopt;
    }
    auto identity = resolve_identity(wanted.user, wanted.group);
    if (!root && now != credentials_of(identity)) {
        throw IdentityError(IdentityError::Kind::not_permitted,
                            "--user: hellod runs as uid " + std::to_string(now.effective_uid) +
                                " (gid " + std::to_string(now.effective_gid) +
                                "), not as root, so it cannot switch to " + describe(identity) +
                                "; start it as root, or leave --user out");
    }
    return identity;
}

bool drop_privileges(const Identity& identity) {
    const bool switching = current_credentials() != credentials_of(identity);
    if (switching) {
        // Groups first: once the uid is not 0 there is no right left to change them.
        step(identity, "setgroups", ::setgroups(1, &identity.gid));
        step(identity, "setresgid", ::setresgid(identity.gid, identity.gid, identity.gid));
        step(identity, "setresuid", ::setresuid(identity.uid, identity.uid, identity.uid));
    }
    // Leaving root clears the capabilities, unless a parent set SECBIT_KEEP_CAPS; a non-root
    // start may carry ambient ones (AmbientCapabilities=). Dropping them is always allowed.
    if (has_capabilities()) {
        auto header = capability_header();
        CapabilitySets none{};
        step(identity, "capset", static_cast<int>(::syscall(SYS_capset, &header, none.data())));
    }
    // hellod never executes anything, and this makes sure nothing it might execute gains
    // privileges through set-user-ID bits or file capabilities.
    step(identity, "prctl(PR_SET_NO_NEW_PRIVS)", ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    verify(identity, switching);
    return switching;
}

}  // namespace hellod
