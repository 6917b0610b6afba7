// Where a process's cgroup is for a controller, and what a limit file says.
#include "os/cgroup.hpp"

#include <gtest/gtest.h>

#include "temp_file.hpp"

namespace hellod {
namespace {

TEST(Cgroup, TheV1HierarchyOfTheControllerElseTheUnifiedOne) {
    const std::string hybrid =
        "9:name=systemd:/\n8:pids:/system.slice/h.service\n3:cpu,memory:/a/\n0::/system.slice\n";
    auto pids = cgroup_place(hybrid, "pids");
    ASSERT_TRUE(pids);
    EXPECT_EQ(pids->directory(), "/sys/fs/cgroup/pids/system.slice/h.service");
    auto memory = cgroup_place(hybrid, "memory");
    ASSERT_TRUE(memory);
    EXPECT_EQ(memory->mount, "/sys/fs/cgroup/cpu,memory");
    EXPECT_EQ(memory->path, "/a");
    auto io = cgroup_place(hybrid, "io");
    ASSERT_TRUE(io);
    EXPECT_EQ(io->directory(), "/sys/fs/cgroup/system.slice");
    EXPECT_EQ(cgroup_place("0::/\n", "pids")->directory(), "/sys/fs/cgroup");
    EXPECT_FALSE(cgroup_place("", "pids"));
    EXPECT_FALSE(cgroup_place("8:pids:/x\n", "memory"));
}

TEST(Cgroup, ALimitIsANumberOrNone) {
    using testing::TempFile;
    EXPECT_EQ(cgroup_limit(TempFile("4915\n").path()), 4915u);
    EXPECT_EQ(cgroup_limit(TempFile("max\n").path()), std::nullopt);
    EXPECT_EQ(cgroup_limit(TempFile("lots\n").path()), std::nullopt);
    EXPECT_EQ(cgroup_limit(TempFile("").path()), std::nullopt);
    EXPECT_EQ(cgroup_limit("/nonexistent/pids.max"), std::nullopt);
}

}  // namespace
}  // namespace hellod
