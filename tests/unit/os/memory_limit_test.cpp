// The memory limit: where it is read from, what a session can hold, and the warning when
// max-connections sessions could hold more than hellod has.
#include "os/memory_limit.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace hellod {
namespace {

using Files = std::vector<std::string>;

TEST(MemoryLimit, ReadsMemAvailableInBytes) {
    EXPECT_EQ(mem_available("MemTotal:       24683420 kB\nMemFree:        23253964 kB\n"
                            "MemAvailable:    3355443 kB\nBuffers:           25084 kB\n"),
              3355443ULL * 1024);
    EXPECT_EQ(mem_available("MemTotal:       24683420 kB\nMemFree:        23253964 kB\n"),
              std::nullopt);
    EXPECT_EQ(mem_available("MemAvailable:    lots kB\n"), std::nullopt);
    EXPECT_EQ(mem_available(""), std::nullopt);
}

TEST(MemoryLimit, FindsTheUnifiedCgroupsMemoryMaxAndItsAncestors) {
    EXPECT_EQ(memory_limit_files("0::/system.slice/hellod.service\n"),
              (Files{"/sys/fs/cgroup/system.slice/hellod.service/memory.max",
                     "/sys/fs/cgroup/system.slice/memory.max", "/sys/fs/cgroup/memory.max"}));
    // In a container with its own cgroup namespace, its cgroup is the root of what it sees.
    EXPECT_EQ(memory_limit_files("0::/\n"), (Files{"/sys/fs/cgroup/memory.max"}));
}

TEST(MemoryLimit, PrefersTheV1MemoryControllerInAHybridSetup) {
    EXPECT_EQ(memory_limit_files("9:name=systemd:/\n8:pids:/x\n4:memory:/process_api/abc\n"
                                 "0::/\n"),
              (Files{"/sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes",
                     "/sys/fs/cgroup/memory/process_api/memory.limit_in_bytes",
                     "/sys/fs/cgroup/memory/memory.limit_in_bytes"}));
    EXPECT_EQ(memory_limit_files("3:cpu,memory:/a\n"),
              (Files{"/sys/fs/cgroup/cpu,memory/a/memory.limit_in_bytes",
                     "/sys/fs/cgroup/cpu,memory/memory.limit_in_bytes"}));
}

TEST(MemoryLimit, NothingToReadWithoutCgroups) {
    EXPECT_EQ(memory_limit_files(""), Files{});
    EXPECT_EQ(memory_limit_files("8:pids:/x\n"), Files{});
}

TEST(MemoryLimit, TheMachineHasSomeMemory) {
    const auto available = available_memory();
    ASSERT_TRUE(available.has_value()) << "neither MemAvailable nor a cgroup limit was read";
    EXPECT_GT(available->bytes, 0U);
    EXPECT_FALSE(available->source.empty());
}

TEST(MemoryLimit, ASessionHoldsTwoLinesAndItsThread) {
    // Measured 2.15 MiB resident a session holding a 1 MiB partial line and a reply as long.
    EXPECT_EQ(session_memory_bound(1048576), 2 * 1048578ULL + 1048578 / 8 + 40 * 1024);
    EXPECT_EQ(session_memory_bound(1024), 2 * 1026ULL + 1026 / 8 + 40 * 1024);
    EXPECT_EQ(session_memory_bound(0), 40 * 1024ULL);
}

TEST(MemoryLimit, AmountsReadAsPeopleWriteThem) {
    EXPECT_EQ(memory_amount(0), "0 bytes");
    EXPECT_EQ(memory_amount(1023), "1023 bytes");
    EXPECT_EQ(memory_amount(1024), "1.0 KiB");
    EXPECT_EQ(memory_amount(1048575), "1.0 MiB");
    EXPECT_EQ(memory_amount(3435973837ULL), "3.2 GiB");
    EXPECT_EQ(memory_amount(11429478400ULL), "10.6 GiB");
    EXPECT_EQ(memory_amount(2269188ULL * 1000000), "2.1 TiB");
}

TEST(MemoryLimit, NoWarningWhenItFitsOrNothingIsKnown) {
    EXPECT_EQ(memory_capacity_warning(10000, 1048576, std::nullopt), std::nullopt);
    const MemoryLimit plenty{session_memory_bound(1024) * 10000, "MemAvailable in /proc/meminfo"};
    EXPECT_EQ(memory_capacity_warning(10000, 1024, plenty), std::nullopt);
    EXPECT_NE(memory_capacity_warning(10001, 1024, plenty), std::nullopt);
}

TEST(MemoryLimit, WarnsWithTheNumbers) {
    const MemoryLimit available{3435973837ULL, "MemAvailable in /proc/meminfo"};
    EXPECT_EQ(memory_capacity_warning(10000, 1048576, available),
              "max-connections 10000 can take up to about 21.1 GiB of memory (about 2.2 MiB a "
              "session with max-line-bytes 1048576: a partial line, a reply as long, and its "
              "thread) but only 3.2 GiB is available to hellod (MemAvailable in /proc/meminfo), "
              "so only about 1514 sessions fit; lower max-connections or max-line-bytes");
}

TEST(MemoryLimit, ACgroupLimitCanBeRaised) {
    const MemoryLimit available{512ULL << 20,
                                "/sys/fs/cgroup/system.slice/hellod.service/memory.max"};
    EXPECT_EQ(memory_capacity_warning(100000, 1024, available),
              "max-connections 100000 can take up to about 4.0 GiB of memory (about 42.1 KiB a "
              "session with max-line-bytes 1024: a partial line, a reply as long, and its "
              "thread) but only 512.0 MiB is available to hellod "
              "(/sys/fs/cgroup/system.slice/hellod.service/memory.max), so only about 12444 "
              "sessions fit; lower max-connections or max-line-bytes, or raise the cgroup's "
              "limit (MemoryMax= under systemd)");
}

TEST(MemoryLimit, EchoSessionsHoldNoLines) {
    const MemoryLimit available{1ULL << 30, "MemAvailable in /proc/meminfo"};
    EXPECT_EQ(memory_capacity_warning(100000, 0, available),
              "max-connections 100000 can take up to about 3.8 GiB of memory (about 40.0 KiB a "
              "session: its thread and buffers) but only 1.0 GiB is available to hellod "
              "(MemAvailable in /proc/meminfo), so only about 26214 sessions fit; lower "
              "max-connections");
}

TEST(MemoryLimit, HugeFiguresDoNotWrapAround) {
    const MemoryLimit available{1ULL << 40, "MemAvailable in /proc/meminfo"};
    EXPECT_NE(memory_capacity_warning(static_cast<std::size_t>(-1), 1048576, available),
              std::nullopt);
    EXPECT_EQ(session_memory_bound(static_cast<std::size_t>(-1)),
              std::numeric_limits<std::uint64_t>::max());
}

}  // namespace
}  // namespace hellod
