#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "os/process_usage.hpp"
#include "server/server.hpp"
#include "server/server_metrics.hpp"
#include "server/udp_echo.hpp"

namespace hellod {

// Everything one scrape shows, read at once.
struct MetricsReading {
    std::string_view version;
    double start_time_seconds = 0;
    ServerMetrics::Snapshot counts;
    Server::Gauges gauges;
    std::optional<UdpEcho::Counts> udp;  // when udp-echo is on
    ProcessUsage process;
};

// Reads the server, the UDP echo (if any) and the process now; any thread.
MetricsReading read_metrics(std::string_view version, double start_time_seconds,
                            const Server& server, const UdpEcho* udp);

// The page GET /metrics answers with: Prometheus' text format, hellod_* and process_*.
std::string metrics_page(const MetricsReading& reading);

}  // namespace hellod
