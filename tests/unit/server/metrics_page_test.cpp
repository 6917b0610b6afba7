// The page GET /metrics answers with: every family once, its samples right after its HELP and
// TYPE, the numbers read where they were put.
#include "server/metrics_page.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>

namespace hellod {
namespace {

bool has_line(const std::string& page, const std::string& line) {
    return page.find("\n" + line + "\n") != std::string::npos || page.starts_with(line + "\n");
}

MetricsReading reading() {
    MetricsReading r;
    r.version = "9.8.7";
    r.start_time_seconds = 1764858000.5;
    r.counts.accepted = 12;
    r.counts.refused[static_cast<std::size_t>(Refusal::denied)] = 3;
    r.counts.refused[static_cast<std::size_t>(Refusal::per_address)] = 2;
    r.counts.ended[static_cast<std::size_t>(protocol::EndReason::exit)] = 7;
    r.counts.ended[static_cast<std::size_t>(protocol::EndReason::busy)] = 2;
    r.counts.lines = 21;
    r.counts.lines_too_long = 1;
    r.counts.bytes_received = 300;
    r.counts.bytes_sent = 500;
    r.counts.duration_buckets[0] = 8;
    r.counts.duration_buckets.back() = 1;
    r.counts.duration_seconds = 4000.25;
    r.counts.probe_sessions = 42;
    r.gauges = {.open = 4,
                .max_connections = 10000,
                .workers_running = 4,
                .workers_parked = 6,
                .workers_started = 10,
                .reloads_applied = 2,
                .reloads_failed = 1};
    r.udp = UdpEcho::Counts{5, 50, {}};
    r.udp->dropped[static_cast<std::size_t>(UdpEcho::Drop::over_rate)] = 9;
    r.process.resident_bytes = 4096;
    r.process.cpu_seconds = 1.25;
    r.process.max_fds = 1024;
    return r;
}

TEST(MetricsPage, ShowsWhatWasRead) {
    const std::string page = metrics_page(reading());
    for (const char* line : {
             "hellod_build_info{version=\"9.8.7\"} 1",
             "hellod_start_time_seconds 1764858000.5",
             "hellod_connections_accepted_total 12",
             "hellod_connections_open 4",
             "hellod_connections_max 10000",
             "hellod_connections_refused_total{reason=\"busy\"} 0",
             "hellod_connections_refused_total{reason=\"per_address\"} 2",
             "hellod_connections_refused_total{reason=\"denied\"} 3",
             "hellod_connections_refused_total{reason=\"proxy_header\"} 0",
             "hellod_connections_refused_total{reason=\"descriptors\"} 0",
             "hellod_connections_refused_total{reason=\"threads\"} 0",
             "hellod_sessions_ended_total{end=\"exit\"} 7",
             "hellod_sessions_ended_total{end=\"eof\"} 0",
             "hellod_sessions_ended_total{end=\"idle\"} 0",
             "hellod_sessions_ended_total{end=\"busy\"} 2",
             "hellod_sessions_ended_total{end=\"shutdown\"} 0",
             "hellod_sessions_ended_total{end=\"error\"} 0",
             "hellod_session_duration_seconds_bucket{le=\"0.001\"} 8",
             "hellod_session_duration_seconds_bucket{le=\"3600\"} 8",
             "hellod_session_duration_seconds_bucket{le=\"+Inf\"} 9",
             "hellod_session_duration_seconds_sum 4000.25",
             "hellod_session_duration_seconds_count 9",
             "hellod_session_lines_total 21",
             "hellod_session_lines_too_long_total 1",
             "hellod_session_received_bytes_total 300",
             "hellod_session_sent_bytes_total 500",
             "# TYPE hellod_probe_sessions_total counter",
             "hellod_probe_sessions_total 42",
             "hellod_worker_threads{state=\"running\"} 4",
             "hellod_worker_threads{state=\"parked\"} 6",
             "hellod_worker_threads_started_total 10",
             "hellod_udp_datagrams_total 5",
             "hellod_udp_bytes_total 50",
             "hellod_udp_dropped_total{reason=\"over_rate\"} 9",
             "hellod_udp_dropped_total{reason=\"too_long\"} 0",
             "hellod_reloads_total{result=\"applied\"} 2",
             "hellod_reloads_total{result=\"failed\"} 1",
             "hellod_settings_generation 3",
             "process_cpu_seconds_total 1.25",
             "process_resident_memory_bytes 4096",
             "process_max_fds 1024",
         }) {
        EXPECT_TRUE(has_line(page, line)) << line << " not in:\n" << page;
    }
}

// What promtool checks, checked here too: one HELP and one TYPE per family, before its samples,
// which all follow each other; counters end in _total; every line ends with a newline.
TEST(MetricsPage, EachFamilyIsWholeAndOnce) {
    const std::string page = metrics_page(reading());
    ASSERT_TRUE(page.ends_with("\n"));
    std::istringstream in(page);
    std::set<std::string> finished;
    std::map<std::string, std::string> types;
    std::string current;
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("# HELP ")) {
            const std::string name = line.substr(7, line.find(' ', 7) - 7);
            EXPECT_FALSE(finished.contains(name)) << name << " twice";
            if (!current.empty()) finished.insert(current);
            current = name;
            continue;
        }
        if (line.starts_with("# TYPE ")) {
            const std::string rest = line.substr(7);
            const std::string name = rest.substr(0, rest.find(' '));
            EXPECT_EQ(name, current);
            types[name] = rest.substr(rest.find(' ') + 1);
            if (types[name] == "counter") {
                EXPECT_TRUE(name.ends_with("_total")) << name;
            }
            continue;
        }
        const std::string name = line.substr(0, line.find_first_of("{ "));
        EXPECT_TRUE(name == current || name == current + "_bucket" || name == current + "_sum" ||
                    name == current + "_count")
            << line << " under " << current;
    }
    EXPECT_EQ(types["hellod_session_duration_seconds"], "histogram");
    EXPECT_EQ(types["hellod_connections_open"], "gauge");
}

TEST(MetricsPage, UdpCountersAreZeroWhenUdpEchoIsOff) {
    MetricsReading r = reading();
    r.udp.reset();
    const std::string page = metrics_page(r);
    EXPECT_TRUE(has_line(page, "hellod_udp_datagrams_total 0")) << page;
    EXPECT_TRUE(has_line(page, "hellod_udp_dropped_total{reason=\"over_rate\"} 0")) << page;
}

}  // namespace
}  // namespace hellod
