#pragma once

#include <string>
#include <string_view>

namespace hellod_soak {

// The config file hellod runs with. The soak rewrites it between two variants and sends
// SIGHUP: the welcome and the log level alternate, everything else stays.
struct SoakConfig {
    std::string welcome = "Welcome!";
    std::string log_level = "info";
    double idle_timeout = 2;
    double write_timeout = 1;
    double shutdown_timeout = 5;
    std::size_t max_line_bytes = 1024;
};

std::string config_text(const SoakConfig& config);

// Writes `text` to `path` as one step (a temporary file, then rename), so the daemon never
// reads half a file on a reload.
void write_file_atomically(const std::string& path, std::string_view text);

}  // namespace hellod_soak
