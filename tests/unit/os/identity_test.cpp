// --user and --group looked up in this machine's user and group databases (any Debian has
// nobody, nogroup, daemon and root).
#include "os/identity.hpp"

#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>

#include <string>
#include <string_view>

#include "app/fatal_error.hpp"

namespace hellod {
namespace {

struct Account {
    uid_t uid;
    gid_t gid;
};

// The expected ids, straight from the C library.
Account user(const char* name) {
    const passwd* entry = ::getpwnam(name);
    if (!entry) throw std::runtime_error(std::string("no user ") + name + " on this machine");
    return {entry->pw_uid, entry->pw_gid};
}

gid_t group(const char* name) {
    const struct group* entry = ::getgrnam(name);
    if (!entry) throw std::runtime_error(std::string("no group ") + name + " on this machine");
    return entry->gr_gid;
}

void expect_refused(std::string_view user_text, std::string_view group_text, int code,
                    std::string_view sentence) {
    try {
        resolve_identity(user_text, group_text);
        ADD_FAILURE() << "resolved " << user_text << ":" << group_text;
    } catch (const std::exception& e) {
        EXPECT_EQ(exit_code_for(e), code) << e.what();
        EXPECT_EQ(std::string_view(e.what()), sentence);
    }
}

TEST(Identity, NamesGiveTheirIds) {
    const auto nobody = user("nobody");
    const auto identity = resolve_identity("nobody", "nogroup");
    EXPECT_EQ(identity.uid, nobody.uid);
    EXPECT_EQ(identity.gid, group("nogroup"));
    EXPECT_EQ(identity.user, "nobody");
    EXPECT_EQ(identity.group, "nogroup");
    EXPECT_EQ(describe(identity), "user nobody (uid " + std::to_string(nobody.uid) +
                                      "), group nogroup (gid " + std::to_string(group("nogroup")) +
                                      ")");
}

TEST(Identity, TheGroupDefaultsToTheUsersPrimaryGroup) {
    const auto daemon = user("daemon");
    const auto identity = resolve_identity("daemon", "");
    EXPECT_EQ(identity.uid, daemon.uid);
    EXPECT_EQ(identity.gid, daemon.gid);
    EXPECT_EQ(identity.group, ::getgrgid(daemon.gid)->gr_name);
}

TEST(Identity, NumericIdsAreNamedWhenTheDatabaseKnowsThem) {
    const auto nobody = user("nobody");
    const auto identity =
        resolve_identity(std::to_string(nobody.uid), std::to_string(group("daemon")));
    EXPECT_EQ(identity.uid, nobody.uid);
    EXPECT_EQ(identity.user, "nobody");
    EXPECT_EQ(identity.gid, group("daemon"));
    EXPECT_EQ(identity.group, "daemon");
}

// Containers run arbitrary uids that no /etc/passwd lists.
TEST(Identity, NumericIdsNeedNoEntry) {
    ASSERT_EQ(::getpwuid(4'000'000'001), nullptr);
    ASSERT_EQ(::getgrgid(4'000'000'002), nullptr);
    const auto identity = resolve_identity("4000000001", "4000000002");
    EXPECT_EQ(identity.uid, 4'000'000'001u);
    EXPECT_EQ(identity.gid, 4'000'000'002u);
    EXPECT_EQ(describe(identity),
              "user 4000000001 (uid 4000000001), group 4000000002 (gid 4000000002)");
}

TEST(Identity, UnknownNamesAreRefusedNamingTheOption) {
    expect_refused("no-such-user-hellod", "", exit_code::no_user,
                   "--user: there is no user 'no-such-user-hellod' on this system");
    expect_refused("nobody", "no-such-group-hellod", exit_code::no_user,
                   "--group: there is no group 'no-such-group-hellod' on this system");
    expect_refused("4000000001", "", exit_code::no_user,
                   "--user: uid 4000000001 has no entry in the user database, so it has no "
                   "primary group to default to; give --group too");
}

TEST(Identity, RootIsNotAUserToDropTo) {
    for (const char* root : {"root", "0"}) {
        expect_refused(root, "", exit_code::config,
                       std::string("--user: '") + root +
                           "' has uid 0, and --user is for dropping root; to serve as root, leave "
                           "--user out and give --run-as-root");
    }
}

// A user may be put in group 0 on purpose; that is a group, not root's privileges.
TEST(Identity, GroupZeroIsAllowed) {
    EXPECT_EQ(resolve_identity("nobody", "root").gid, 0u);
}

}  // namespace
}  // namespace hellod
