#include "common.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "report.hpp"

namespace hellod_soak {

std::optional<unsigned> await_start(DaemonProcess& daemon) {
    // Generous: a sanitizer build starts slowly on a busy machine.
    constexpr auto kStartTimeout = std::chrono::seconds(30);
    const bool logged = daemon.log().wait_for(
        [](const LogCounts& c) { return c.port.has_value() || c.closed; }, kStartTimeout);
    const auto counts = daemon.log().counts();
    if (logged && counts.port) return counts.port;
    std::printf("hellod did not log its start-up line within %lld s%s\n",
                static_cast<long long>(kStartTimeout.count()), counts.closed ? " (it exited)" : "");
    print_log_tail(daemon.log().last_lines());
    return std::nullopt;
}

std::vector<std::string> hellod_arguments(const Options& options, const std::string& config) {
    // Every soak client comes from 127.0.0.1: the limit per address would turn most away.
    std::vector<std::string> args{
        "--config", config, "--listen", "127.0.0.1:0", "--max-connections-per-ip", "0"};
    // As a root-started hellod must (it refuses to serve as root without --user), and as it
    // runs in production: the soak then also covers the dropped process's limits.
    if (::geteuid() == 0) args.insert(args.end(), {"--user", "nobody", "--group", "nogroup"});
    args.insert(args.end(), options.hellod_args.begin(), options.hellod_args.end());
    return args;
}

sockaddr_in loopback(unsigned port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

void Peaks::add(const ProcessStats& s) {
    descriptors = std::max(descriptors, s.descriptors);
    threads = std::max(threads, s.threads);
    rss_kib = std::max(rss_kib, s.rss_kib);
}

std::string kib(long value) {
    return std::to_string(value) + " KiB";
}

}  // namespace hellod_soak
