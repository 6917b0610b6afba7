// process_* from /proc: the parser on a known line, and the live reading of this process.
#include "os/process_usage.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace hellod {
namespace {

TEST(ProcessUsage, ParsesAStatLineWhoseNameHasSpacesAndParentheses) {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime
    // stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss ...
    const char* line =
        "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 7 0 1000 "
        "123456789 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
    const auto usage = parse_proc_stat(line, 100, 4096, 1'700'000'000);
    ASSERT_TRUE(usage);
    EXPECT_DOUBLE_EQ(usage->cpu_seconds, 3.0);
    EXPECT_EQ(usage->threads, 7u);
    EXPECT_DOUBLE_EQ(usage->start_time_seconds, 1'700'000'010.0);
    EXPECT_EQ(usage->virtual_bytes, 123456789u);
    EXPECT_EQ(usage->resident_bytes, 300u * 4096);
}

TEST(ProcessUsage, RefusesWhatIsNotAStatLine) {
    EXPECT_FALSE(parse_proc_stat("", 100, 4096, 0));
    EXPECT_FALSE(parse_proc_stat("1 (x) S 1 2 3", 100, 4096, 0));
    EXPECT_FALSE(parse_proc_stat("no parenthesis at all", 100, 4096, 0));
}

TEST(ProcessUsage, ReadsThisProcess) {
    const auto usage = process_usage();
    EXPECT_GT(usage.resident_bytes, 0u);
    EXPECT_GE(usage.virtual_bytes, usage.resident_bytes);
    EXPECT_GE(usage.open_fds, 3u);  // stdin, stdout, stderr at least
    EXPECT_GE(usage.max_fds, usage.open_fds);
    EXPECT_GE(usage.threads, 1u);
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_LE(usage.start_time_seconds, now + 1);
    EXPECT_GT(usage.start_time_seconds, now - 24 * 3600.0);  // a test run is not a day old
}

}  // namespace
}  // namespace hellod
