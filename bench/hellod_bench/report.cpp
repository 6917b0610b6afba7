#include "report.hpp"

#include "json_line.hpp"
#include "proxy_header.hpp"

namespace hellod_bench {

std::string report_json(const Options& o, const LoadResult& r) {
    JsonLine j;
    j.add("mode", r.mode).add("protocol", protocol_name(o.protocol));
    j.add("proxy", proxy_name(o.proxy)).add("target", o.target);
    j.add("conns", r.conns).add("established", r.established);
    j.add("seconds", r.seconds, 3).add("ops", r.ops).add("rate", r.rate, 1);
    j.add("p50_us", r.latency.percentile_us(0.50), 1)
        .add("p99_us", r.latency.percentile_us(0.99), 1)
        .add("p999_us", r.latency.percentile_us(0.999), 1)
        .add("max_us", r.latency.max_us(), 1)
        .add("mean_us", r.latency.mean_us(), 1);
    j.add("errors", r.errors.total()).add_raw("error_kinds", r.errors.json());
    j.add("client_cpu_pct", r.client_cpu_pct, 1);
    if (r.server_cpu_seconds) {
        const double s = *r.server_cpu_seconds;
        j.add("server_cpu_pct", r.seconds > 0 ? s / r.seconds * 100.0 : 0.0, 1);
        // hold has no operations in its measured period: CPU per op means nothing there.
        if (r.mode != "hold")
            j.add("server_cpu_us_per_op", r.ops ? s * 1e6 / static_cast<double>(r.ops) : 0.0, 2);
    }
    if (r.mode == "hold") {
        j.add("held", r.held).add("answered", r.answered).add("connect_s", r.connect_seconds, 3);
        const auto kb = [&](const char* key, const std::optional<MemoryStatus>& m, bool threads) {
            if (!m)
                j.add_raw(key, "null");
            else
                j.add(key, static_cast<std::int64_t>(threads ? m->threads : m->rss_kb));
        };
        kb("server_rss_before_kb", r.server_before, false);
        kb("server_threads_before", r.server_before, true);
        kb("server_rss_held_kb", r.server_held, false);
        kb("server_threads_held", r.server_held, true);
    }
    return j.str();
}

}  // namespace hellod_bench
