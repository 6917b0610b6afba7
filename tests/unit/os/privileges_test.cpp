// The start-up rules (who may serve as whom), and the drop itself: done for real, as root, in a
// forked child, since there is no way back from it.
#include "os/privileges.hpp"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "app/fatal_error.hpp"
#include "net/fd.hpp"
#include "os/identity_error.hpp"

namespace hellod {
namespace {

using namespace std::chrono_literals;

Credentials as(uid_t uid, gid_t gid) {
    Credentials c;
    c.real_uid = c.effective_uid = c.saved_uid = uid;
    c.real_gid = c.effective_gid = c.saved_gid = gid;
    return c;
}

ServeAs with_user(std::string_view user, std::string_view group = "", bool run_as_root = false) {
    return {user, group, run_as_root};
}

Identity nobody() {
    return resolve_identity("nobody", "nogroup");
}

void expect_refused(const ServeAs& wanted, const Credentials& now, int code,
                    std::string_view sentence) {
    try {
        identity_to_serve_as(wanted, now);
        ADD_FAILURE() << "not refused";
    } catch (const std::exception& e) {
        EXPECT_EQ(exit_code_for(e), code) << e.what();
        EXPECT_EQ(std::string_view(e.what()), sentence);
    }
}

// ---------------------------------------------------------------------------------------------
// The rules

TEST(PrivilegeRules, RootNeedsUserOrRunAsRoot) {
    expect_refused(ServeAs{}, as(0, 0), exit_code::config,
                   "refusing to serve as root: give --user NAME to drop to that user once the "
                   "sockets are bound, or --run-as-root to serve as root anyway");
    ServeAs consent;
    consent.run_as_root = true;
    EXPECT_EQ(identity_to_serve_as(consent, as(0, 0)), std::nullopt);
    // Root in the effective id is what counts (a set-user-ID start).
    auto setuid_start = as(1000, 1000);
    setuid_start.effective_uid = 0;
    EXPECT_THROW(identity_to_serve_as(ServeAs{}, setuid_start), IdentityError);
}

TEST(PrivilegeRules, RootDropsToTheUser) {
    const auto identity = identity_to_serve_as(with_user("nobody", "nogroup"), as(0, 0));
    ASSERT_TRUE(identity);
    EXPECT_EQ(identity->uid, nobody().uid);
    EXPECT_EQ(identity->gid, nobody().gid);
    // run-as-root does not stop the drop: the user wins.
    EXPECT_TRUE(identity_to_serve_as(with_user("nobody", "nogroup", true), as(0, 0)));
}

TEST(PrivilegeRules, WithoutRootNothingChanges) {
    EXPECT_EQ(identity_to_serve_as(ServeAs{}, as(1000, 1000)), std::nullopt);
}

TEST(PrivilegeRules, WithoutRootTheUserMustBeWhoHellodAlreadyIs) {
    const auto n = nobody();
    const auto identity = identity_to_serve_as(with_user("nobody", "nogroup"), as(n.uid, n.gid));
    ASSERT_TRUE(identity);
    EXPECT_EQ(identity->uid, n.uid);
    expect_refused(with_user("nobody", "nogroup"), as(1000, 1000), exit_code::no_perm,
                   "--user: hellod runs as uid 1000 (gid 1000), not as root, so it cannot switch "
                   "to " +
                       describe(n) + "; start it as root, or leave --user out");
    // The right uid in another group is not who it was asked to be either.
    EXPECT_THROW(identity_to_serve_as(with_user("nobody", "daemon"), as(n.uid, n.gid)),
                 IdentityError);
    auto saved_root = as(n.uid, n.gid);
    saved_root.saved_uid = 0;
    EXPECT_THROW(identity_to_serve_as(with_user("nobody", "nogroup"), saved_root), IdentityError);
}

TEST(PrivilegeRules, AnUnknownUserIsRefusedAsSuch) {
    try {
        identity_to_serve_as(with_user("no-such-user-hellod"), as(0, 0));
        ADD_FAILURE() << "not refused";
    } catch (const std::exception& e) {
        EXPECT_EQ(exit_code_for(e), exit_code::no_user) << e.what();
    }
}

// ---------------------------------------------------------------------------------------------
// The drop, for real: root only

// Runs `body` in a forked child and returns what it reported: empty when every check held.
// Bounded: a child that does not finish within 10 s is killed and reported.
std::string in_child(const std::function<std::string()>& body) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return "pipe2 failed";
    net::UniqueFd read_end(fds[0]);
    net::UniqueFd write_end(fds[1]);
    const pid_t pid = ::fork();
    if (pid < 0) return "fork failed";
    if (pid == 0) {
        std::string report;
        try {
            report = body();
        } catch (const IdentityError& e) {
            report = "IdentityError(" + std::to_string(exit_code_for(e)) + "): " + e.what();
        } catch (const std::exception& e) {
            report = std::string("threw: ") + e.what();
        }
        std::string_view left = report;
        while (!left.empty()) {
            const auto n = ::write(write_end.get(), left.data(), left.size());
            if (n <= 0) break;
            left.remove_prefix(static_cast<std::size_t>(n));
        }
        ::_exit(0);
    }
    write_end.reset();
    std::string report;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{read_end.get(), POLLIN, 0};
        if (left <= 0ms || ::poll(&p, 1, static_cast<int>(left.count())) != 1) {
            ::kill(pid, SIGKILL);
            report += " (the child did not finish within 10 s)";
            break;
        }
        char buffer[4096];
        const auto n = ::read(read_end.get(), buffer, sizeof buffer);
        if (n <= 0) break;
        report.append(buffer, static_cast<std::size_t>(n));
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        report += " (the child ended with status " + std::to_string(status) + ")";
    return report;
}

// The lines of /proc/self/status that say who the process is and what it may do.
std::string status_field(std::string_view name) {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with(name) && line.size() > name.size() && line[name.size()] == ':') {
            // Groups: ends in a blank.
            const auto value = line.find_first_not_of(" \t", name.size() + 1);
            const auto end = line.find_last_not_of(" \t");
            return value == std::string::npos ? "" : line.substr(value, end + 1 - value);
        }
    }
    return "(no " + std::string(name) + ")";
}

// Every way back to root must fail, and every id and set must be the target's.
std::string check_dropped(const Identity& identity) {
    std::string failures;
    const auto expect = [&](bool held, std::string_view what) {
        if (!held) failures += std::string(what) + "; ";
    };
    uid_t ruid = 0;
    uid_t euid = 0;
    uid_t suid = 0;
    gid_t rgid = 0;
    gid_t egid = 0;
    gid_t sgid = 0;
    ::getresuid(&ruid, &euid, &suid);
    ::getresgid(&rgid, &egid, &sgid);
    expect(ruid == identity.uid && euid == identity.uid && suid == identity.uid, "uids");
    expect(rgid == identity.gid && egid == identity.gid && sgid == identity.gid, "gids");
    std::vector<gid_t> groups(8);
    const int count = ::getgroups(static_cast<int>(groups.size()), groups.data());
    expect(count == 1 && groups[0] == identity.gid, "supplementary groups");
    const auto refused = [](int result) { return result == -1 && errno == EPERM; };
    const gid_t root_group = 0;
    expect(refused(::setresuid(0, 0, 0)), "setresuid(0, 0, 0) succeeded");
    expect(refused(::setuid(0)), "setuid(0) succeeded");
    expect(refused(::seteuid(0)), "seteuid(0) succeeded");
    expect(refused(::setreuid(0, 0)), "setreuid(0, 0) succeeded");
    expect(refused(::setresgid(0, 0, 0)), "setresgid(0, 0, 0) succeeded");
    expect(refused(::setgid(0)), "setgid(0) succeeded");
    expect(refused(::setegid(0)), "setegid(0) succeeded");
    expect(refused(::setgroups(1, &root_group)), "setgroups succeeded");
    const std::string uid = std::to_string(identity.uid);
    const std::string gid = std::to_string(identity.gid);
    expect(status_field("Uid") == uid + "\t" + uid + "\t" + uid + "\t" + uid,
           "Uid: " + status_field("Uid"));
    expect(status_field("Gid") == gid + "\t" + gid + "\t" + gid + "\t" + gid,
           "Gid: " + status_field("Gid"));
    expect(status_field("Groups") == gid, "Groups: " + status_field("Groups"));
    for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapAmb"})
        expect(status_field(set) == "0000000000000000",
               std::string(set) + ": " + status_field(set));
    expect(status_field("NoNewPrivs") == "1", "NoNewPrivs: " + status_field("NoNewPrivs"));
    return failures;
}

class Drop : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "dropping privileges needs root";
    }
};

TEST_F(Drop, BecomesTheUserForGood) {
    const auto identity = nobody();
    EXPECT_EQ(in_child([&] {
                  if (!drop_privileges(identity)) return std::string("reported no switch");
                  return check_dropped(identity);
              }),
              "");
}

// A child that checks nothing: shows that check_dropped can fail, so the test above means
// something.
TEST_F(Drop, TheChecksSeeRoot) {
    const auto report = in_child([&] { return check_dropped(nobody()); });
    for (const char* failure : {"uids", "setresuid(0, 0, 0) succeeded", "CapEff: "})
        EXPECT_NE(report.find(failure), std::string::npos) << failure << " not in: " << report;
}

// SECBIT_KEEP_CAPS (PR_SET_KEEPCAPS) keeps the permitted capabilities across leaving uid 0, so
// the drop must clear them itself.
TEST_F(Drop, ClearsCapabilitiesThatAParentAskedToKeep) {
    const auto identity = nobody();
    EXPECT_EQ(in_child([&] {
                  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return std::string("keepcaps");
                  drop_privileges(identity);
                  return check_dropped(identity);
              }),
              "");
}

TEST_F(Drop, ASecondDropToTheSameIdentityChangesNothing) {
    const auto identity = nobody();
    EXPECT_EQ(in_child([&] {
                  drop_privileges(identity);
                  if (drop_privileges(identity)) return std::string("switched again");
                  return check_dropped(identity);
              }),
              "");
}

// Once dropped there are no rights left to become anyone else: the drop fails hard.
TEST_F(Drop, FailsHardWhenItCannotSwitch) {
    const auto first = nobody();
    const auto other = resolve_identity("daemon", "daemon");
    EXPECT_EQ(in_child([&] {
                  drop_privileges(first);
                  drop_privileges(other);
                  return std::string("the second drop did not throw");
              }),
              "IdentityError(71): dropping root for " + describe(other) +
                  " failed: setgroups: Operation not permitted");
}

}  // namespace
}  // namespace hellod
