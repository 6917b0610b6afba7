#include "server/metrics_page.hpp"

#include "metrics/exposition.hpp"

namespace hellod {
namespace {

constexpr protocol::EndReason end_reasons[] = {
    protocol::EndReason::exit, protocol::EndReason::eof,      protocol::EndReason::idle,
    protocol::EndReason::busy, protocol::EndReason::shutdown, protocol::EndReason::error};
static_assert(std::size(end_reasons) == end_reason_count);

constexpr Refusal refusals[] = {Refusal::busy,         Refusal::per_address, Refusal::denied,
                                Refusal::proxy_header, Refusal::descriptors, Refusal::threads};
static_assert(std::size(refusals) == refusal_count);

constexpr UdpEcho::Drop drops[] = {UdpEcho::Drop::too_long, UdpEcho::Drop::source_port,
                                   UdpEcho::Drop::broadcast, UdpEcho::Drop::over_rate,
                                   UdpEcho::Drop::send_failed};
static_assert(std::size(drops) == UdpEcho::drop_count);

void counter(metrics::Exposition& page, std::string_view name, std::string_view help,
             std::uint64_t value) {
    page.family(name, "counter", help);
    page.sample(name, value);
}

void gauge(metrics::Exposition& page, std::string_view name, std::string_view help, double value) {
    page.family(name, "gauge", help);
    page.sample(name, value);
}

void connections(metrics::Exposition& page, const MetricsReading& r) {
    counter(page, "hellod_connections_accepted_total",
            "Connections accepted, including those then refused.", r.counts.accepted);
    gauge(page, "hellod_connections_open",
          "Connections open now (sessions, and balancers' "
          "connections awaiting their PROXY header).",
          static_cast<double>(r.gauges.open));
    gauge(page, "hellod_connections_max", "max-connections in force.",
          static_cast<double>(r.gauges.max_connections));
    page.family("hellod_connections_refused_total", "counter",
                "Connections closed unserved, by reason: busy (max-connections), per_address "
                "(max-connections-per-ip), denied (allow and deny), proxy_header (a bad or "
                "missing PROXY header), descriptors, threads.");
    for (const Refusal reason : refusals)
        page.sample("hellod_connections_refused_total",
                    r.counts.refused[static_cast<std::size_t>(reason)],
                    {{"reason", to_string(reason)}});
}

void sessions(metrics::Exposition& page, const MetricsReading& r) {
    page.family("hellod_sessions_ended_total", "counter",
                "Sessions ended, by how they ended (the access line's end= word); one per "
                "access line. Probe sessions are not here nor in the other hellod_session_* "
                "metrics (hellod_probe_sessions_total).");
    for (const auto reason : end_reasons)
        page.sample("hellod_sessions_ended_total", r.counts.ended[static_cast<std::size_t>(reason)],
                    {{"end", protocol::to_string(reason)}});
    page.histogram("hellod_session_duration_seconds", "How long sessions lasted, accept to close.",
                   session_duration_bounds, r.counts.duration_buckets, r.counts.duration_seconds);
    counter(page, "hellod_session_lines_total",
            "Lines (or messages) sessions received, counted as each session ends.", r.counts.lines);
    counter(page, "hellod_session_lines_too_long_total",
            "Lines longer than max-line-bytes, counted as each session ends.",
            r.counts.lines_too_long);
    counter(page, "hellod_session_received_bytes_total",
            "Bytes sessions received, counted as each session ends.", r.counts.bytes_received);
    counter(page, "hellod_session_sent_bytes_total",
            "Bytes sessions sent, counted as each session ends.", r.counts.bytes_sent);
    counter(page, "hellod_probe_sessions_total",
            "Health checks (hellod --probe) served: sessions the probe marked as its own, "
            "logged at debug and left out of the other session metrics.",
            r.counts.probe_sessions);
}

void workers(metrics::Exposition& page, const MetricsReading& r) {
    page.family("hellod_worker_threads", "gauge",
                "Worker threads: running a session, or parked for the next one.");
    page.sample("hellod_worker_threads", static_cast<double>(r.gauges.workers_running),
                {{"state", "running"}});
    page.sample("hellod_worker_threads", static_cast<double>(r.gauges.workers_parked),
                {{"state", "parked"}});
    counter(page, "hellod_worker_threads_started_total", "Worker threads started.",
            r.gauges.workers_started);
}

void udp(metrics::Exposition& page, const MetricsReading& r) {
    const UdpEcho::Counts counts = r.udp.value_or(UdpEcho::Counts{});
    counter(page, "hellod_udp_datagrams_total", "UDP datagrams echoed (udp-echo).", counts.echoed);
    counter(page, "hellod_udp_bytes_total", "Bytes of UDP datagrams echoed.", counts.echoed_bytes);
    page.family("hellod_udp_dropped_total", "counter",
                "UDP datagrams not echoed, by reason: too_long, source_port (privileged), "
                "broadcast, over_rate (udp-echo-rate), send_failed.");
    for (const auto why : drops)
        page.sample("hellod_udp_dropped_total", counts.dropped[static_cast<std::size_t>(why)],
                    {{"reason", UdpEcho::to_string(why)}});
}

void reloads(metrics::Exposition& page, const MetricsReading& r) {
    page.family("hellod_reloads_total", "counter",
                "Reloads (SIGHUP) by result: applied, or failed (the running settings kept).");
    page.sample("hellod_reloads_total", r.gauges.reloads_applied, {{"result", "applied"}});
    page.sample("hellod_reloads_total", r.gauges.reloads_failed, {{"result", "failed"}});
    gauge(page, "hellod_settings_generation",
          "The settings new sessions get: 1 at start, one more per applied reload.",
          static_cast<double>(1 + r.gauges.reloads_applied));
}

}  // namespace

std::string metrics_page(const MetricsReading& r) {
    metrics::Exposition page;
    page.family("hellod_build_info", "gauge", "The running hellod's version; always 1.");
    page.sample("hellod_build_info", std::uint64_t{1}, {{"version", r.version}});
    gauge(page, "hellod_start_time_seconds", "When hellod started, in seconds since the epoch.",
          r.start_time_seconds);
    connections(page, r);
    sessions(page, r);
    workers(page, r);
    udp(page, r);
    reloads(page, r);
    const ProcessUsage& p = r.process;
    page.family("process_cpu_seconds_total", "counter",
                "Total user and system CPU time spent in seconds.");
    page.sample("process_cpu_seconds_total", p.cpu_seconds);
    gauge(page, "process_resident_memory_bytes", "Resident memory size in bytes.",
          static_cast<double>(p.resident_bytes));
    gauge(page, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
          static_cast<double>(p.virtual_bytes));
    gauge(page, "process_open_fds", "Number of open file descriptors.",
          static_cast<double>(p.open_fds));
    gauge(page, "process_max_fds", "Maximum number of open file descriptors.",
          static_cast<double>(p.max_fds));
    gauge(page, "process_threads", "Number of OS threads in the process.",
          static_cast<double>(p.threads));
    gauge(page, "process_start_time_seconds",
          "Start time of the process since unix epoch in seconds.", p.start_time_seconds);
    return page.take();
}

MetricsReading read_metrics(std::string_view version, double start_time_seconds,
                            const Server& server, const UdpEcho* udp) {
    MetricsReading r;
    r.version = version;
    r.start_time_seconds = start_time_seconds;
    r.counts = server.metrics().snapshot();
    r.gauges = server.gauges();
    if (udp != nullptr) r.udp = udp->counts();
    r.process = process_usage();
    return r;
}

}  // namespace hellod
