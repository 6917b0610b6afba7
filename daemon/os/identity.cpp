#include "os/identity.hpp"

#include <grp.h>
#include <pwd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <system_error>
#include <vector>

#include "os/identity_error.hpp"
#include "text/escape.hpp"

namespace hellod {
namespace {

// An entry bigger than this is not a user (a group with thousands of members comes close).
constexpr std::size_t kMaxEntryBytes = 1 << 24;

struct Entry {
    std::uint32_t id = 0;
    gid_t primary_group = 0;  // users only
    std::string name;
};

// The settings parser has checked the form, so all digits means an id that fits.
std::optional<std::uint32_t> numeric_id(std::string_view text) {
    std::uint32_t id = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, id);
    if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
    return id;
}

// Runs one getpw*_r or getgr*_r call with a buffer that grows until the entry fits, and copies
// the entry out while the buffer still holds its strings. nullopt when there is no such entry;
// glibc reports that as 0 with no result, other libraries (and NSS modules) as ENOENT and kin.
template <typename Record, typename Lookup, typename Copy>
std::optional<Entry> look_up(Lookup lookup, Copy copy) {
    std::vector<char> buffer(1024);
    for (;;) {
        Record record{};
        Record* found = nullptr;
        const int error = lookup(&record, buffer.data(), buffer.size(), &found);
        if (error == ERANGE && buffer.size() < kMaxEntryBytes) {
            buffer.resize(buffer.size() * 4);
            continue;
        }
        if (found) return copy(*found);
        if (error == 0 || error == ENOENT || error == ESRCH || error == EBADF || error == EPERM)
            return std::nullopt;
        throw std::system_error(error, std::generic_category());
    }
}

std::optional<Entry> user_entry(std::string_view name_or_id) {
    const auto copy = [](const passwd& p) { return Entry{p.pw_uid, p.pw_gid, p.pw_name}; };
    if (const auto id = numeric_id(name_or_id)) {
        return look_up<passwd>([&](passwd* p, char* b, std::size_t n,
                                   passwd** r) { return getpwuid_r(*id, p, b, n, r); },
                               copy);
    }
    const std::string name(name_or_id);
    return look_up<passwd>([&](passwd* p, char* b, std::size_t n,
                               passwd** r) { return getpwnam_r(name.c_str(), p, b, n, r); },
                           copy);
}

std::optional<Entry> group_entry(std::string_view name_or_id) {
    const auto copy = [](const struct group& g) { return Entry{g.gr_gid, 0, g.gr_name}; };
    if (const auto id = numeric_id(name_or_id)) {
        return look_up<struct group>([&](struct group* g, char* b, std::size_t n,
                                         struct group** r) { return getgrgid_r(*id, g, b, n, r); },
                                     copy);
    }
    const std::string name(name_or_id);
    return look_up<struct group>(
        [&](struct group* g, char* b, std::size_t n, struct group** r) {
            return getgrnam_r(name.c_str(), g, b, n, r);
        },
        copy);
}

// A lookup that failed (not one that found nothing) is the system's fault, not the user's.
template <typename Find>
std::optional<Entry> look_up_for(const char* option, std::string_view what, Find find_entry) {
    try {
        return find_entry(what);
    } catch (const std::system_error& e) {
        throw IdentityError(IdentityError::Kind::system, std::string(option) + ": cannot look up " +
                                                             quoted_excerpt(what) + ": " +
                                                             std::strerror(e.code().value()));
    }
}

}  // namespace

Identity resolve_identity(std::string_view user, std::string_view group) {
    Identity identity;
    const auto user_id = numeric_id(user);
    const auto account = look_up_for("--user", user, user_entry);
    // A bare id names a user even without an entry (containers run arbitrary uids); a name must
    // exist.
    if (!account && !user_id) {
        throw IdentityError(IdentityError::Kind::no_such_account,
                            "--user: there is no user " + quoted_excerpt(user) + " on this system");
    }
    identity.uid = account ? account->id : *user_id;
    identity.user = account ? account->name : std::to_string(*user_id);
    if (identity.uid == 0) {
        throw IdentityError(IdentityError::Kind::refused,
                            "--user: " + quoted_excerpt(user) +
                                " has uid 0, and --user is for dropping root; to serve as root, "
                                "leave --user out and give --run-as-root");
    }

    if (group.empty()) {
        if (!account) {
            throw IdentityError(
                IdentityError::Kind::no_such_account,
                "--user: uid " + identity.user +
                    " has no entry in the user database, so it has no primary group "
                    "to default to; give --group too");
        }
        identity.gid = account->primary_group;
        const auto primary = look_up_for("--group", std::to_string(identity.gid), group_entry);
        identity.group = primary ? primary->name : std::to_string(identity.gid);
        return identity;
    }
    const auto group_id = numeric_id(group);
    const auto found = look_up_for("--group", group, group_entry);
    if (!found && !group_id) {
        throw IdentityError(
            IdentityError::Kind::no_such_account,
            "--group: there is no group " + quoted_excerpt(group) + " on this system");
    }
    identity.gid = found ? found->id : *group_id;
    identity.group = found ? found->name : std::to_string(*group_id);
    return identity;
}

std::string describe(const Identity& identity) {
    return "user " + escaped(identity.user) + " (uid " + std::to_string(identity.uid) +
           "), group " + escaped(identity.group) + " (gid " + std::to_string(identity.gid) + ")";
}

}  // namespace hellod
