#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon_process.hpp"
#include "options.hpp"
#include "process_stats.hpp"
#include "temp_dir.hpp"

namespace hellod_soak {

// What both scenarios do first: hellod with `config` on 127.0.0.1, port 0, and the port it
// logged; nullopt (with the log's tail printed) when it did not log its start-up line.
std::optional<unsigned> await_start(DaemonProcess& daemon);
std::vector<std::string> hellod_arguments(const Options& options, const std::string& config);

sockaddr_in loopback(unsigned port);

// The highest figures seen (sampled, not continuous).
struct Peaks {
    long descriptors = 0;
    long threads = 0;
    long rss_kib = 0;
    void add(const ProcessStats& s);
};

std::string kib(long value);               // "12345 KiB"
std::string format_seconds(double value);  // "0.016 s"

}  // namespace hellod_soak
