#include "os/process_usage.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace hellod {
namespace {

std::string read_file(const char* path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint64_t boot_time() {
    std::istringstream in(read_file("/proc/stat"));
    std::string key;
    std::uint64_t value = 0;
    while (in >> key) {
        if (key == "btime" && in >> value) return value;
        in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    }
    return 0;
}

std::uint64_t count_open_fds() {
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr) return 0;
    std::uint64_t count = 0;
    while (const dirent* entry = ::readdir(dir))
        if (entry->d_name[0] != '.') ++count;
    ::closedir(dir);
    return count > 0 ? count - 1 : 0;  // less the descriptor that reads the directory
}

}  // namespace

std::optional<ProcessUsage> parse_proc_stat(std::string_view stat, long ticks_per_second,
                                            long page_size, std::uint64_t boot_time) {
    const auto close = stat.rfind(')');
    if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
    // Fields from the 3rd (state) on; man 5 proc numbers them from 1.
    std::vector<std::string_view> fields;
    std::size_t at = close + 1;
    while (at < stat.size()) {
        const auto start = stat.find_first_not_of(" \n", at);
        if (start == std::string_view::npos) break;
        const auto end = std::min(stat.find_first_of(" \n", start), stat.size());
        fields.push_back(stat.substr(start, end - start));
        at = end;
    }
    if (fields.size() < 22) return std::nullopt;
    const auto number = [&](std::size_t field) {  // man 5 proc's number
        std::uint64_t value = 0;
        const std::string_view text = fields[field - 3];
        std::from_chars(text.data(), text.data() + text.size(), value);
        return value;
    };
    ProcessUsage usage;
    const auto ticks = static_cast<double>(ticks_per_second);
    usage.cpu_seconds = static_cast<double>(number(14) + number(15)) / ticks;
    usage.threads = number(20);
    usage.start_time_seconds =
        static_cast<double>(boot_time) + static_cast<double>(number(22)) / ticks;
    usage.virtual_bytes = number(23);
    usage.resident_bytes = number(24) * static_cast<std::uint64_t>(page_size);
    return usage;
}

ProcessUsage process_usage() {
    static const std::uint64_t booted = boot_time();  // fixed while the machine runs
    ProcessUsage usage = parse_proc_stat(read_file("/proc/self/stat"), ::sysconf(_SC_CLK_TCK),
                                         ::sysconf(_SC_PAGESIZE), booted)
                             .value_or(ProcessUsage{});
    usage.open_fds = count_open_fds();
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) usage.max_fds = limit.rlim_cur;
    return usage;
}

}  // namespace hellod
