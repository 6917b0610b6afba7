// Whether the user hellod serves as can open a file (the config file, which every reload reads
// again after the drop): tried for real, as root, by a child that becomes that user.
#include "os/readable_as.hpp"

#include <errno.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace hellod {
namespace {

TEST(ReadableAs, TheWarningSaysWhoCannotReadWhatAndWhatFollows) {
    EXPECT_EQ(unreadable_config_warning("/root/private/h.conf", "nobody", EACCES),
              "config file /root/private/h.conf is not readable by user nobody (Permission "
              "denied), so every reload will fail; make it readable by nobody (and its "
              "directories searchable), or restart hellod to apply changes");
    // Names come from the command line as any bytes: one line, no control byte.
    EXPECT_EQ(unreadable_config_warning("a\nb.conf", "x\x1b", ENOENT),
              "config file a\\nb.conf is not readable by user x\\x1b (No such file or "
              "directory), so every reload will fail; make it readable by x\\x1b (and its "
              "directories searchable), or restart hellod to apply changes");
}

// As root: a directory only root can enter (as mkdtemp makes it), with a file anyone may read.
class ReadableAsRoot : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root (CI runs the suite as root)";
        char name[] = "/tmp/hellod_readable_XXXXXX";
        ASSERT_NE(::mkdtemp(name), nullptr);
        dir_ = name;
        file_ = dir_ + "/h.conf";
        std::ofstream(file_) << "welcome = hi\n";
        ASSERT_EQ(::chmod(file_.c_str(), 0644), 0);
        nobody_ = resolve_identity("nobody", "nogroup");
    }
    void TearDown() override {
        if (dir_.empty()) return;
        std::remove(file_.c_str());
        ::rmdir(dir_.c_str());
    }

    std::string dir_, file_;
    Identity nobody_;
};

TEST_F(ReadableAsRoot, ADirectoryTheUserCannotSearchHidesTheFile) {
    EXPECT_EQ(open_error_as(nobody_, file_), EACCES);
    EXPECT_EQ(::geteuid(), 0U) << "the check ran in this process, not in a child";
    const auto warning = config_access_warning(file_, nobody_);
    ASSERT_TRUE(warning.has_value());
    EXPECT_EQ(*warning, unreadable_config_warning(file_, "nobody", EACCES));
}

TEST_F(ReadableAsRoot, ReadableOnceTheDirectoryCanBeSearched) {
    ASSERT_EQ(::chmod(dir_.c_str(), 0711), 0);
    EXPECT_EQ(open_error_as(nobody_, file_), 0);
    EXPECT_EQ(config_access_warning(file_, nobody_), std::nullopt);
    ASSERT_EQ(::chmod(file_.c_str(), 0600), 0);
    EXPECT_EQ(open_error_as(nobody_, file_), EACCES);
    EXPECT_EQ(open_error_as(nobody_, dir_ + "/missing.conf"), ENOENT);
}

// As drop_privileges leaves it: the user's gid is its one group; other memberships do not count.
TEST_F(ReadableAsRoot, OnlyTheGroupItServesAsCounts) {
    ASSERT_EQ(::chmod(dir_.c_str(), 0711), 0);
    const group* daemon_group = ::getgrnam("daemon");
    if (daemon_group == nullptr) GTEST_SKIP() << "no group daemon";
    ASSERT_EQ(::chown(file_.c_str(), 0, daemon_group->gr_gid), 0);
    ASSERT_EQ(::chmod(file_.c_str(), 0640), 0);
    EXPECT_EQ(open_error_as(nobody_, file_), EACCES);
    Identity in_group = nobody_;
    in_group.gid = daemon_group->gr_gid;
    EXPECT_EQ(open_error_as(in_group, file_), 0);
}

TEST_F(ReadableAsRoot, NoAnswerUnlessRoot) {
    EXPECT_EQ(config_access_warning("", nobody_), std::nullopt);
    // Not root, it cannot become anyone else to try: nullopt, and so no warning.
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        const bool dropped = ::setresgid(nobody_.gid, nobody_.gid, nobody_.gid) == 0 &&
                             ::setresuid(nobody_.uid, nobody_.uid, nobody_.uid) == 0;
        ::_exit(!dropped ? 2 : open_error_as(nobody_, file_).has_value() ? 1 : 0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

}  // namespace
}  // namespace hellod
