#include "app/daemon.hpp"

#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/fatal_error.hpp"
#include "app/preflight.hpp"
#include "app/reload_handler.hpp"
#include "app/serve_as.hpp"
#include "app/signals.hpp"
#include "app/startup_line.hpp"
#include "log/log.hpp"
#include "metrics/http_endpoint.hpp"
#include "net/error.hpp"
#include "net/listener.hpp"
#include "os/descriptor_limit.hpp"
#include "os/privileges.hpp"
#include "os/systemd_notifier.hpp"
#include "os/task_limit.hpp"
#include "server/metrics_page.hpp"
#include "server/server.hpp"
#include "server/udp_echo.hpp"
#include "text/strings.hpp"

namespace hellod {
namespace {

// Where the TCP listeners come from: systemd's sockets when it passed some, else our own.
net::ListenerSet listeners_for(const Settings& settings, net::InheritedSockets* inherited) {
    if (!inherited) return net::open_listeners(settings.listen, settings.backlog);
    net::ListenerSet set;
    set.warnings = std::move(inherited->warnings);
    if (!inherited->connected.empty()) {
        set.warnings.push_back(std::to_string(inherited->connected.size()) +
                               " connected socket(s) from systemd closed unused: a socket with "
                               "Accept=yes needs hellod --inetd");
        inherited->connected.clear();
    }
    if (inherited->stream.empty())
        throw FatalError(exit_code::config,
                         "systemd passed no listening stream socket (a socket unit with "
                         "Accept=yes needs hellod --inetd)");
    set.listeners = std::move(inherited->stream);
    return set;
}

// The UDP sockets take the TCP listeners' exact addresses, so port 0 means one port for both;
// under socket activation they are the datagram sockets systemd passed, if it passed any.
std::vector<net::Listener> datagram_sockets(const Settings& settings,
                                            const std::vector<net::Listener>& listeners,
                                            net::InheritedSockets* inherited) {
    if (inherited && !inherited->datagram.empty()) return std::move(inherited->datagram);
    if (!settings.udp_echo) return {};
    return net::open_udp_sockets(net::bound_specs(listeners)).listeners;
}

// Runs the UDP echo service on `sockets` when udp-echo is on; otherwise they are systemd's,
// unused, and said to be.
void start_udp_echo(std::optional<UdpEcho>& udp, const Settings& settings,
                    std::vector<net::Listener> sockets, bool inherited) {
    if (settings.udp_echo) {
        std::vector<std::string> names;
        for (const auto& socket : sockets)
            names.push_back(socket.name);
        HLOG(info) << "udp-echo on " << join(names) << (inherited ? " (from systemd)" : "");
        udp.emplace(std::move(sockets), settings.udp_echo_rate);
    } else if (!sockets.empty()) {
        HLOG(warning) << "udp-echo is off, so the " << sockets.size()
                      << " datagram socket(s) from systemd go unused";
    }
}

// The metrics endpoint's sockets, bound with the others while still root; none when it is off.
// hellod binds them itself even under socket activation: systemd passes the greeting sockets.
std::vector<net::Listener> metrics_sockets(const Settings& settings) {
    if (settings.metrics_listen.empty()) return {};
    try {
        // A few scrapers at most, so a short queue; the endpoint accepts as they come.
        auto set = net::open_listeners(settings.metrics_listen, 16);
        for (const auto& warning : set.warnings)
            HLOG(warning) << "metrics-listen: " << warning;
        return std::move(set.listeners);
    } catch (const net::Error& e) {
        throw net::Error(e.kind(), e.error_number(), std::string("metrics-listen: ") + e.what());
    }
}

std::vector<std::string> names_of(const std::vector<net::Listener>& listeners) {
    std::vector<std::string> names;
    for (const auto& listener : listeners)
        names.push_back(listener.name);
    return names;
}

}  // namespace

int run_daemon(const Invocation& invocation, std::span<const char* const> args,
               std::optional<net::InheritedSockets> inherited) {
    const Settings& settings = invocation.settings;
    const double start_time =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    log::init(log::detect_destination());
    ::tzset();  // once, before any thread formats a time (localtime_r does not re-read TZ)
    sigset_t wait_mask = block_signals();

    auto* const passed = inherited ? &*inherited : nullptr;
    // Everything --test-config checks too, while still root (refusals end it here, before
    // anything is bound).
    const Preflight checked = preflight(invocation, passed != nullptr);
    for (const auto& warning : checked.warnings)
        HLOG(warning) << warning;
    if (passed && !invocation.listen_from.empty())
        HLOG(warning) << invocation.listen_from << " " << join(settings.listen)
                      << " is ignored: systemd passed the listening sockets (LISTEN_FDS)";
    // While still root: the hard limit may be above what the user could raise it to.
    const std::size_t descriptors = raise_descriptor_limit();
    auto bound = listeners_for(settings, passed);
    for (const auto& warning : bound.warnings)
        HLOG(warning) << warning;
    auto metrics_listeners = metrics_sockets(settings);
    const bool datagrams_passed = passed && !passed->datagram.empty();
    auto datagram = datagram_sockets(settings, bound.listeners, passed);

    serve_as(checked.identity);
    // After the drop: the kernel holds root to no RLIMIT_NPROC, but the user it became.
    for (const auto& warning :
         capacity_warnings(settings, bound.listeners.size(), descriptors, task_limit()))
        HLOG(warning) << warning;
    std::optional<UdpEcho> udp;
    start_udp_echo(udp, settings, std::move(datagram), datagrams_passed);

    const std::string started =
        startup_line(settings, bound.listeners, passed, names_of(metrics_listeners));
    const log::Fields started_fields =
        startup_fields(settings, bound.listeners, passed, names_of(metrics_listeners));
    Server server(std::make_shared<const Settings>(settings), std::move(bound.listeners));
    server.on_reload([args, activated = passed != nullptr](const Settings& running) {
        return reload_and_report(args, current_environment(), running, activated);
    });
    // udp-echo-rate is the one UDP echo setting a reload changes in place.
    if (udp)
        server.on_reload_applied(
            [echo = &*udp](const Settings& next) { echo->set_rate(next.udp_echo_rate); });
    SystemdNotifier systemd;
    server.set_service_manager(systemd);
    const SignalRoute signals(server, udp ? &*udp : nullptr, true);
    // After the server and the UDP echo it reads, so that it stops before they go.
    std::optional<metrics::HttpEndpoint> endpoint;
    if (!metrics_listeners.empty()) {
        endpoint.emplace(
            std::move(metrics_listeners), [&server, echo = udp ? &*udp : nullptr, start_time] {
                return metrics_page(read_metrics(HELLOD_VERSION, start_time, server, echo));
            });
    }
    log::write(LogLevel::info, started, started_fields);
    // The log is written by a thread of its own: let the start-up line out before systemd hears
    // READY=1, so that whoever waited for the start finds the line. Bounded, so a stalled
    // reader of stderr cannot hold the start.
    (void)log::flush(std::chrono::seconds(1));
    server.run(&wait_mask);
    return 0;
}

}  // namespace hellod
