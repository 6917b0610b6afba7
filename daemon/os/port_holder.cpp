#include "os/port_holder.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

namespace hellod {
namespace {

// How the kernel writes an address in /proc/net: each 32-bit word as the host prints it.
std::string proc_hex(std::span<const std::uint8_t> address) {
    std::string out;
    for (std::size_t word = 0; word + 4 <= address.size(); word += 4) {
        std::uint32_t value = 0;
        std::copy_n(address.begin() + static_cast<std::ptrdiff_t>(word), 4,
                    reinterpret_cast<std::uint8_t*>(&value));
        std::array<char, 9> hex{};
        std::snprintf(hex.data(), hex.size(), "%08X", value);
        out += hex.data();
    }
    return out;
}

bool all_zero(std::string_view hex) {
    return hex.find_first_not_of('0') == std::string_view::npos;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The process with `link` ("socket:[INODE]") among its descriptors.
std::optional<std::string> owner_of(const std::string& link) {
    const std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
    if (!proc) return std::nullopt;
    while (const dirent* entry = ::readdir(proc.get())) {
        const std::string pid = entry->d_name;
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
        const std::string fds = "/proc/" + pid + "/fd";
        const std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(fds.c_str()), ::closedir);
        if (!dir) continue;
        while (const dirent* fd = ::readdir(dir.get())) {
            std::array<char, 64> target{};
            const std::string path = fds + "/" + fd->d_name;
            const ssize_t n = ::readlink(path.c_str(), target.data(), target.size() - 1);
            if (n <= 0 || std::string_view(target.data(), static_cast<std::size_t>(n)) != link)
                continue;
            std::string name = read_all("/proc/" + pid + "/comm");
            while (!name.empty() && name.back() == '\n')
                name.pop_back();
            return "process " + pid + (name.empty() ? "" : " (" + name + ")");
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> socket_inode_in(std::string_view table,
                                           std::span<const std::uint8_t> address, unsigned port) {
    const std::string wanted = proc_hex(address);
    std::array<char, 5> port_hex{};
    std::snprintf(port_hex.data(), port_hex.size(), "%04X", port);
    std::istringstream lines{std::string(table)};
    std::string line;
    std::getline(lines, line);  // the header
    while (std::getline(lines, line)) {
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
        if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
              timeout >> inode))
            continue;
        const auto colon = local.find(':');
        if (colon == std::string::npos || local.substr(colon + 1) != port_hex.data()) continue;
        const std::string_view host = std::string_view(local).substr(0, colon);
        if (host == wanted || all_zero(host) || all_zero(wanted)) return inode;
    }
    return std::nullopt;
}

std::optional<std::string> port_holder(bool stream, std::span<const std::uint8_t> address,
                                       unsigned port) {
    const std::string kind = stream ? "tcp" : "udp";
    // A dual-stack socket is listed under IPv6, and may hold an IPv4 port.
    for (const char* suffix : {"", "6"}) {
        const auto inode = socket_inode_in(read_all("/proc/net/" + kind + suffix), address, port);
        if (inode && *inode != "0") return owner_of("socket:[" + *inode + "]");
    }
    return std::nullopt;
}

}  // namespace hellod
