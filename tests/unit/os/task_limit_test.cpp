// The task limit: where pids.max is found, and the warning when max-connections threads won't fit.
#include "os/task_limit.hpp"

#include <gtest/gtest.h>

namespace hellod {
namespace {

TEST(TaskLimit, FindsTheUnifiedCgroupsPidsMax) {
    EXPECT_EQ(pids_max_path("0::/system.slice/hellod.service\n"),
              "/sys/fs/cgroup/system.slice/hellod.service/pids.max");
    EXPECT_EQ(pids_max_path("0::/\n"), "/sys/fs/cgroup/pids.max");
}

TEST(TaskLimit, PrefersTheV1PidsControllerInAHybridSetup) {
    EXPECT_EQ(pids_max_path("9:name=systemd:/\n8:pids:/system.slice/hellod.service\n"
                            "4:memory:/x\n0::/system.slice/hellod.service\n"),
              "/sys/fs/cgroup/pids/system.slice/hellod.service/pids.max");
}

TEST(TaskLimit, NothingToReadWithoutCgroups) {
    EXPECT_EQ(pids_max_path(""), std::nullopt);
    EXPECT_EQ(pids_max_path("4:memory:/x\n"), std::nullopt);
}

TEST(TaskLimit, WarnsWhenSessionsCannotAllHaveAThread) {
    EXPECT_EQ(thread_capacity_warning(10000, std::nullopt), std::nullopt);
    EXPECT_EQ(thread_capacity_warning(100, 200), std::nullopt);
    EXPECT_EQ(thread_capacity_warning(4910, 4915), std::nullopt);
    EXPECT_EQ(thread_capacity_warning(10000, 4915),
              "max-connections 10000 needs about 10005 threads but the task limit is 4915, so "
              "only about 4910 sessions fit (the rest are told the server is busy); raise it "
              "(TasksMax= under systemd, ulimit -u) or lower max-connections");
}

}  // namespace
}  // namespace hellod
