#include "os/memory_limit.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "os/cgroup.hpp"
#include "text/escape.hpp"

namespace hellod {
namespace {

// What one session holds besides its lines, rounded up: a session with short lines measured
// 12-16 KiB resident (the pages of the worker's stack it touches, its objects, malloc's share),
// the stream's read and write buffers take 4096 bytes each once they fill, and the kernel keeps
// a stack for each thread (16 KiB on x86-64) besides.
constexpr std::uint64_t fixed_session_bytes = 40 * 1024;

constexpr std::uint64_t no_limit = std::numeric_limits<std::uint64_t>::max();

std::uint64_t saturating_product(std::uint64_t a, std::uint64_t b) {
    std::uint64_t product = 0;
    return __builtin_mul_overflow(a, b, &product) ? no_limit : product;
}

std::uint64_t saturating_sum(std::uint64_t a, std::uint64_t b) {
    std::uint64_t sum = 0;
    return __builtin_add_overflow(a, b, &sum) ? no_limit : sum;
}

}  // namespace

std::optional<std::uint64_t> mem_available(std::string_view proc_meminfo) {
    std::istringstream lines{std::string(proc_meminfo)};
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string name, unit;
        std::uint64_t amount = 0;
        if (!(fields >> name) || name != "MemAvailable:") continue;
        if (!(fields >> amount)) return std::nullopt;
        fields >> unit;
        if (unit.empty()) return amount;
        if (unit == "kB") return saturating_product(amount, 1024);
        return std::nullopt;
    }
    return std::nullopt;
}

std::vector<std::string> memory_limit_files(std::string_view proc_self_cgroup) {
    auto place = cgroup_place(proc_self_cgroup, "memory");
    if (!place) return {};
    const char* file = place->mount == "/sys/fs/cgroup" ? "/memory.max" : "/memory.limit_in_bytes";
    // Its own cgroup first, then each one above it: a slice's limit binds everything in it.
    std::vector<std::string> files;
    for (;;) {
        files.push_back(place->directory() + file);
        if (place->path.empty()) break;
        const auto slash = place->path.rfind('/');
        place->path.erase(slash == std::string::npos ? 0 : slash);
    }
    return files;
}

std::optional<MemoryLimit> available_memory() {
    std::optional<MemoryLimit> least;
    const auto consider = [&](std::uint64_t bytes, std::string source) {
        if (!least || bytes < least->bytes) least = MemoryLimit{bytes, std::move(source)};
    };
    std::ifstream meminfo("/proc/meminfo");
    std::ostringstream text;
    text << meminfo.rdbuf();
    if (const auto bytes = mem_available(text.str()))
        consider(*bytes, "MemAvailable in /proc/meminfo");
    for (const auto& file : memory_limit_files(own_cgroups()))
        if (const auto bytes = cgroup_limit(file)) consider(*bytes, file);
    return least;
}

// The worst a session can be made to hold, from the code it runs (io/stream, protocol/):
//   - its read buffer grows by doubling up to max-line-bytes+2 while a line has not ended
//     (a partial line; raw framing reads whole messages of up to max-line-bytes the same way);
//   - the reply to a line (greeting, timestamp) is about as long as the line, and the string it
//     is built in keeps its size for the rest of the session, so a client that sends one long
//     line and then another partial one makes the session hold two;
//   - malloc keeps part of the smaller buffers outgrown on the way: about an eighth more;
//   - fixed_session_bytes for the rest.
// Measured (resident memory of hellod per session, 300 sessions): with 1 MiB lines, 1.14 MiB
// holding a partial line and 2.15 MiB holding a reply as well; with 256 KiB lines 299 and 559
// KiB; with 64 KiB lines 81 and 149 KiB. The kernel's socket buffers are not counted: the
// kernel bounds them itself (net.ipv4.tcp_mem).
std::uint64_t session_memory_bound(std::size_t max_line_bytes) {
    if (max_line_bytes == 0) return fixed_session_bytes;
    const std::uint64_t line = saturating_sum(max_line_bytes, 2);
    return saturating_sum(saturating_sum(saturating_product(line, 2), line / 8),
                          fixed_session_bytes);
}

std::string memory_amount(std::uint64_t bytes) {
    static constexpr std::array<const char*, 6> units{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) return std::to_string(bytes) + " bytes";
    auto amount = static_cast<double>(bytes) / 1024;
    std::size_t unit = 0;
    // 1023.96 KiB would print as "1024.0 KiB": move up a unit before it rounds to 1024.
    while (amount >= 1023.95 && unit + 1 < units.size()) {
        amount /= 1024;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.1f %s", amount, units[unit]);
    return text;
}

std::optional<std::string> memory_capacity_warning(std::size_t max_connections,
                                                   std::size_t max_line_bytes,
                                                   const std::optional<MemoryLimit>& available) {
    if (!available) return std::nullopt;
    const std::uint64_t each = session_memory_bound(max_line_bytes);
    const std::uint64_t needed = saturating_product(max_connections, each);
    if (needed <= available->bytes) return std::nullopt;
    const bool cgroup = available->source.starts_with("/sys/fs/cgroup");
    std::string sentence = "max-connections " + std::to_string(max_connections) +
                           " can take up to about " + memory_amount(needed) + " of memory (about " +
                           memory_amount(each) + " a session";
    sentence += max_line_bytes > 0 ? " with max-line-bytes " + std::to_string(max_line_bytes) +
                                         ": a partial line, a reply as long, and its thread)"
                                   : ": its thread and buffers)";
    sentence += " but only " + memory_amount(available->bytes) + " is available to hellod (" +
                escaped(available->source) + "), so only about " +
                std::to_string(available->bytes / each) + " sessions fit; lower max-connections";
    sentence += max_line_bytes > 0 ? " or max-line-bytes" : "";
    if (cgroup) sentence += ", or raise the cgroup's limit (MemoryMax= under systemd)";
    return sentence;
}

}  // namespace hellod
