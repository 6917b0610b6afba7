// hellod: parse the settings, set up logging, bind, and serve until SIGTERM or SIGINT;
// SIGHUP reloads the settings.
#include <signal.h>

#include <array>
#include <atomic>
#include <chrono>
#include <ctime>
#include <iostream>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "descriptor_limit.hpp"
#include "exit_codes.hpp"
#include "log.hpp"
#include "net/listener.hpp"
#include "reload.hpp"
#include "server.hpp"
#include "settings.hpp"
#include "udp_echo.hpp"

namespace {

std::atomic<hellod::Server*> g_server{nullptr};
std::atomic<hellod::UdpEcho*> g_udp{nullptr};

extern "C" void on_stop_signal(int) {
    if (auto* udp = g_udp.load()) udp->stop();
    if (auto* server = g_server.load()) server->stop();
}

extern "C" void on_reload_signal(int) {
    if (auto* server = g_server.load()) server->request_reload();
}

std::string seconds(std::chrono::milliseconds d) {
    std::ostringstream out;
    out << std::chrono::duration<double>(d).count() << " s";
    return out.str();
}

std::string describe(const hellod::Settings& s,
                     const std::vector<hellod::net::Listener>& listeners) {
    std::ostringstream out;
    out << "hellod " << HELLOD_VERSION << " listening on ";
    for (std::size_t i = 0; i < listeners.size(); ++i)
        out << (i ? ", " : "") << listeners[i].name;
    out << " (protocol " << hellod::to_string(s.protocol)
        << (s.framing == hellod::Framing::raw ? ", framing raw" : "") << ", backlog " << s.backlog
        << ", max-connections " << s.max_connections << ", max-connections-per-ip ";
    if (s.max_connections_per_ip == 0)
        out << "unlimited";
    else
        out << s.max_connections_per_ip;
    out << ", idle-timeout " << (s.idle_timeout.count() == 0 ? "off" : seconds(s.idle_timeout))
        << ", write-timeout " << seconds(s.write_timeout) << ", max-line-bytes " << s.max_line_bytes
        << ", shutdown-timeout " << seconds(s.shutdown_timeout) << ", config "
        << (s.config_file.empty() ? "none" : s.config_file) << ")";
    return out.str();
}

// Under systemd the fatal sentence carries the error priority, like every other log line.
const char* error_prefix() {
    return hellod::log::detect_destination() == hellod::log::Destination::journal ? "<3>" : "";
}

int run(int argc, char** argv) {
    const auto invocation =
        hellod::parse_invocation(std::span<const char* const>(argv, static_cast<std::size_t>(argc)),
                                 hellod::current_environment());
    const hellod::Settings& settings = invocation.settings;
    switch (invocation.action) {
        case hellod::Action::help:
            std::cout << invocation.help_text;
            return 0;
        case hellod::Action::version:
            std::cout << "hellod " << HELLOD_VERSION << '\n';
            return 0;
        case hellod::Action::print_config:
            std::cout << hellod::to_ini(settings);
            return 0;
        case hellod::Action::test_config:
            hellod::net::check_listen_addresses(settings.listen);
            std::cout << "hellod: settings are valid"
                      << (settings.config_file.empty() ? "" : " (" + settings.config_file + ")")
                      << '\n';
            return 0;
        case hellod::Action::run:
            break;
    }
    hellod::log::init(settings.log_level, hellod::log::detect_destination());
    for (const auto& warning : invocation.warnings)
        HLOG(warning) << warning;

    ::tzset();  // once, before any thread formats a time (localtime_r does not re-read TZ)

    // Stop and reload signals stay blocked in every thread (workers inherit this mask) and are
    // taken only while the accept loop waits, so no worker's system call is ever interrupted by
    // one, and a SIGHUP that arrives before the loop waits is kept pending, not fatal.
    constexpr std::array handled{SIGTERM, SIGINT, SIGHUP};
    sigset_t blocked;
    sigemptyset(&blocked);
    for (const int signal_number : handled)
        sigaddset(&blocked, signal_number);
    sigset_t wait_mask;
    pthread_sigmask(SIG_BLOCK, &blocked, &wait_mask);
    for (const int signal_number : handled)
        sigdelset(&wait_mask, signal_number);
    signal(SIGPIPE, SIG_IGN);  // every send uses MSG_NOSIGNAL; this covers anything else

    const std::size_t descriptors = hellod::raise_descriptor_limit();
    auto bound = hellod::net::open_listeners(settings.listen, settings.backlog);
    for (const auto& warning : bound.warnings)
        HLOG(warning) << warning;
    if (auto warning =
            hellod::capacity_warning(settings.max_connections, bound.listeners.size(), descriptors))
        HLOG(warning) << *warning;

    // The UDP sockets take the TCP listeners' exact addresses, so port 0 means one port for both.
    std::optional<hellod::UdpEcho> udp;
    if (settings.udp_echo) {
        auto datagram = hellod::net::open_udp_sockets(hellod::net::bound_specs(bound.listeners));
        std::string names;
        for (const auto& socket : datagram.listeners)
            names += (names.empty() ? "" : ", ") + socket.name;
        HLOG(info) << "udp-echo on " << names;
        udp.emplace(std::move(datagram.listeners));
        g_udp.store(&*udp);
    }

    const std::string started = describe(settings, bound.listeners);
    hellod::Server server(std::make_shared<const hellod::Settings>(settings),
                          std::move(bound.listeners));
    const std::span<const char* const> args(argv, static_cast<std::size_t>(argc));
    server.on_reload([args](const hellod::Settings& running) {
        return hellod::reload_settings(args, hellod::current_environment(), running);
    });
    g_server.store(&server);
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    action.sa_handler = on_reload_signal;
    sigaction(SIGHUP, &action, nullptr);
    HLOG(info) << started;
    server.run(&wait_mask);
    g_server.store(nullptr);
    g_udp.store(nullptr);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const hellod::FatalError& e) {
        std::cerr << error_prefix() << "hellod: " << e.what() << '\n';
        return e.code();
    } catch (const std::exception& e) {
        std::cerr << error_prefix() << "hellod: internal error: " << e.what() << '\n';
        return hellod::exit_code::software;
    }
}
