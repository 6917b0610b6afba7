#include "process_stats.hpp"

#include <dirent.h>

#include <memory>
#include <string>

#include "proc_stats.hpp"

namespace hellod_soak {

namespace {

std::optional<long> count_descriptors(pid_t pid) {
    const std::string path = "/proc/" + std::to_string(pid) + "/fd";
    const std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
    if (!dir) return std::nullopt;
    long count = 0;
    while (const dirent* entry = ::readdir(dir.get()))
        if (entry->d_name[0] != '.') ++count;
    return count;
}

}  // namespace

std::optional<ProcessStats> read_process_stats(pid_t pid) {
    const auto memory = hellod_bench::process_memory(pid);
    const auto cpu = hellod_bench::process_cpu_seconds(pid);
    const auto descriptors = count_descriptors(pid);
    if (!memory || !cpu || !descriptors) return std::nullopt;
    ProcessStats stats;
    stats.descriptors = *descriptors;
    stats.threads = memory->threads;
    stats.rss_kib = memory->rss_kb;
    stats.cpu_seconds = *cpu;
    return stats;
}

}  // namespace hellod_soak
