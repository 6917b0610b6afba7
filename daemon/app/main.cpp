// hellod: parse the settings, set up logging, bind (or take systemd's sockets), drop root for
// --user, and serve until SIGTERM or SIGINT; SIGHUP reloads the settings. With --inetd: serve one
// session and exit.
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <ctime>
#include <iostream>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "app/fatal_error.hpp"
#include "app/inetd.hpp"
#include "app/probe.hpp"
#include "config/invocation.hpp"
#include "config/reload.hpp"
#include "config/settings.hpp"
#include "config/to_ini.hpp"
#include "log/log.hpp"
#include "net/inherited_sockets.hpp"
#include "net/listener.hpp"
#include "os/descriptor_limit.hpp"
#include "os/privileges.hpp"
#include "os/systemd_notifier.hpp"
#include "os/task_limit.hpp"
#include "server/server.hpp"
#include "server/udp_echo.hpp"
#include "text/escape.hpp"
#include "text/strings.hpp"

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

std::string describe(const hellod::Settings& s, const std::vector<hellod::net::Listener>& listeners,
                     const hellod::net::InheritedSockets* inherited) {
    std::ostringstream out;
    out << "hellod " << HELLOD_VERSION << " listening on ";
    for (std::size_t i = 0; i < listeners.size(); ++i)
        out << (i ? ", " : "") << listeners[i].name;
    if (inherited) {
        out << ", sockets inherited from systemd";
        for (std::size_t i = 0; i < inherited->names.size(); ++i)
            out << (i ? ", " : " (") << inherited->names[i]
                << (i + 1 == inherited->names.size() ? ")" : "");
    }
    out << " (protocol " << hellod::to_string(s.session.protocol)
        << (s.session.framing == hellod::Framing::raw ? ", framing raw" : "") << ", backlog ";
    if (inherited)
        out << "from systemd";
    else
        out << s.backlog;
    out << ", max-connections " << s.max_connections << ", max-connections-per-ip ";
    if (s.max_connections_per_ip == 0)
        out << "unlimited";
    else
        out << s.max_connections_per_ip;
    for (const auto& [kind, rules] :
         {std::pair{"allow", &s.access.allowed()}, std::pair{"deny", &s.access.denied()}}) {
        if (!rules->empty())
            out << ", " << kind << " " << rules->size()
                << (rules->size() == 1 ? " network" : " networks");
    }
    out << ", idle-timeout "
        << (s.idle_timeout.count() == 0 ? "off" : hellod::seconds_text(s.idle_timeout) + " s")
        << ", write-timeout " << hellod::seconds_text(s.write_timeout) + " s"
        << ", max-line-bytes " << s.session.max_line_bytes << ", shutdown-timeout "
        << hellod::seconds_text(s.shutdown_timeout) + " s"
        << ", config " << (s.config_file.empty() ? "none" : s.config_file) << ")";
    return out.str();
}

// Under systemd the fatal sentence carries the error priority, like every other log line; under
// inetd, where stderr is the client, it goes to syslog instead. Once the settings ask for json,
// it is a json error line: a log pipeline must never meet a line it cannot parse.
void report_fatal(const std::string& sentence) {
    if (hellod::log::destination() == hellod::log::Destination::syslog) {
        hellod::log::write(hellod::LogLevel::error, sentence);
        return;
    }
    const auto destination = hellod::log::detect_destination();
    if (hellod::log::format() == hellod::LogFormat::json) {
        std::cerr << hellod::log::render(hellod::LogLevel::error, sentence, destination) + '\n';
        return;
    }
    const bool journal = destination == hellod::log::Destination::journal;
    std::string line = journal ? "<3>hellod: " : "hellod: ";
    hellod::append_one_line(line, sentence);
    std::cerr << line + '\n';
}

// Stop and reload signals stay blocked in every thread (workers inherit this mask) and are
// taken only while the accept loop waits, so no worker's system call is ever interrupted by one,
// and a SIGHUP that arrives before the loop waits is kept pending, not fatal. Returns the mask
// for that wait.
sigset_t block_signals() {
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
    return wait_mask;
}

void install_handlers(bool reload) {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    // One session has nothing to reload; a stray SIGHUP must not end it either.
    action.sa_handler = reload ? on_reload_signal : SIG_IGN;
    sigaction(SIGHUP, &action, nullptr);
}

// Once every socket is bound and before any thread starts: become --user for good, or say
// that root serves (--run-as-root).
void serve_as(const std::optional<hellod::Identity>& identity) {
    if (!identity) {
        if (::geteuid() == 0)
            HLOG(warning) << "serving as root (run-as-root): every session runs with root's "
                             "privileges; --user drops them once the sockets are bound";
        return;
    }
    if (hellod::drop_privileges(*identity))
        HLOG(info) << "dropped root: serving as " << hellod::describe(*identity)
                   << ", with no capabilities, no other groups and no way back";
    else
        HLOG(info) << "serving as " << hellod::describe(*identity) << " (as started)";
}

// --inetd: one session on the socket inetd or systemd gave us, then exit.
int serve_inetd(const hellod::Invocation& invocation,
                std::optional<hellod::net::InheritedSockets> inherited) {
    const hellod::Settings& settings = invocation.settings;
    auto connection = hellod::take_inetd_connection(std::move(inherited));
    hellod::log::init(settings.log_level,
                      connection.stderr_was_connection ? hellod::log::Destination::syslog
                                                       : hellod::log::detect_destination(),
                      settings.log_format);
    for (const auto& warning : invocation.warnings)
        HLOG(warning) << warning;
    // The connection is the only socket, and it is open already.
    serve_as(hellod::identity_to_serve_as({settings.user, settings.group, settings.run_as_root},
                                          hellod::current_credentials()));
    if (settings.udp_echo) HLOG(warning) << "udp-echo does nothing with --inetd";
    ::tzset();
    sigset_t wait_mask = block_signals();
    hellod::Server server(std::make_shared<const hellod::Settings>(settings), {});
    g_server.store(&server);
    install_handlers(false);
    server.serve_one(std::move(connection.fd), &wait_mask);
    g_server.store(nullptr);
    return 0;
}

// --probe: one line per address checked, on stdout when healthy and on stderr when not.
int run_probe(const hellod::Invocation& invocation) {
    bool all_healthy = true;
    for (const auto& target :
         hellod::probe_targets(invocation.probe_target, invocation.settings.listen)) {
        const auto result =
            hellod::probe(target, invocation.settings.session, invocation.probe_timeout);
        (result.healthy ? std::cout : std::cerr) << result.sentence << std::endl;
        all_healthy = all_healthy && result.healthy;
    }
    return all_healthy ? hellod::exit_code::ok : hellod::exit_code::unhealthy;
}

// Where the TCP listeners come from: systemd's sockets when it passed some, else our own.
hellod::net::ListenerSet listeners_for(const hellod::Settings& settings,
                                       hellod::net::InheritedSockets* inherited) {
    if (!inherited) return hellod::net::open_listeners(settings.listen, settings.backlog);
    hellod::net::ListenerSet set;
    set.warnings = std::move(inherited->warnings);
    if (!inherited->connected.empty()) {
        set.warnings.push_back(std::to_string(inherited->connected.size()) +
                               " connected socket(s) from systemd closed unused: a socket with "
                               "Accept=yes needs hellod --inetd");
        inherited->connected.clear();
    }
    if (inherited->stream.empty())
        throw hellod::FatalError(hellod::exit_code::config,
                                 "systemd passed no listening stream socket (a socket unit with "
                                 "Accept=yes needs hellod --inetd)");
    set.listeners = std::move(inherited->stream);
    return set;
}

int run(int argc, char** argv) {
    const auto invocation =
        hellod::parse_invocation(std::span<const char* const>(argv, static_cast<std::size_t>(argc)),
                                 hellod::current_environment());
    const hellod::Settings& settings = invocation.settings;
    // From here on the format is known, and report_fatal follows it.
    hellod::log::set_format(settings.log_format);
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
            // As nginx -t does: the user and group must exist (whoever runs the check).
            if (!settings.user.empty()) hellod::resolve_identity(settings.user, settings.group);
            std::cout << "hellod: settings are valid"
                      << (settings.config_file.empty() ? "" : " (" + settings.config_file + ")")
                      << '\n';
            return 0;
        case hellod::Action::probe:
            return run_probe(invocation);
        case hellod::Action::run:
            break;
    }
    // Before any thread starts: this unsets LISTEN_FDS and friends.
    auto inherited = hellod::net::take_inherited_sockets();
    if (invocation.inetd) return serve_inetd(invocation, std::move(inherited));

    hellod::log::init(settings.log_level, hellod::log::detect_destination(), settings.log_format);
    for (const auto& warning : invocation.warnings)
        HLOG(warning) << warning;

    ::tzset();  // once, before any thread formats a time (localtime_r does not re-read TZ)
    sigset_t wait_mask = block_signals();

    // Decided before anything is bound, so a refusal leaves no port taken even for a moment.
    const auto identity = hellod::identity_to_serve_as(
        {settings.user, settings.group, settings.run_as_root}, hellod::current_credentials());
    // While still root: the hard limit may be above what the user could raise it to.
    const std::size_t descriptors = hellod::raise_descriptor_limit();
    auto bound = listeners_for(settings, inherited ? &*inherited : nullptr);
    for (const auto& warning : bound.warnings)
        HLOG(warning) << warning;
    if (auto warning =
            hellod::capacity_warning(settings.max_connections, bound.listeners.size(), descriptors))
        HLOG(warning) << *warning;

    // The UDP sockets take the TCP listeners' exact addresses, so port 0 means one port for both;
    // under socket activation they are the datagram sockets systemd passed, if it passed any.
    std::vector<hellod::net::Listener> datagram;
    if (inherited) datagram = std::move(inherited->datagram);
    const bool inherited_datagram = !datagram.empty();
    if (settings.udp_echo && !inherited_datagram)
        datagram =
            hellod::net::open_udp_sockets(hellod::net::bound_specs(bound.listeners)).listeners;

    serve_as(identity);
    // After the drop: the kernel holds root to no RLIMIT_NPROC, but the user it became.
    if (auto warning =
            hellod::thread_capacity_warning(settings.max_connections, hellod::task_limit()))
        HLOG(warning) << *warning;

    std::optional<hellod::UdpEcho> udp;
    if (settings.udp_echo) {
        std::string names;
        for (const auto& socket : datagram)
            names += (names.empty() ? "" : ", ") + socket.name;
        HLOG(info) << "udp-echo on " << names << (inherited_datagram ? " (from systemd)" : "");
        udp.emplace(std::move(datagram));
        g_udp.store(&*udp);
    } else if (!datagram.empty()) {
        HLOG(warning) << "udp-echo is off, so the " << datagram.size()
                      << " datagram socket(s) from systemd go unused";
        datagram.clear();
    }

    const std::string started =
        describe(settings, bound.listeners, inherited ? &*inherited : nullptr);
    hellod::Server server(std::make_shared<const hellod::Settings>(settings),
                          std::move(bound.listeners));
    const std::span<const char* const> args(argv, static_cast<std::size_t>(argc));
    server.on_reload([args, activated = inherited.has_value()](const hellod::Settings& running) {
        return hellod::reload_settings(args, hellod::current_environment(), running, activated);
    });
    hellod::SystemdNotifier systemd;
    server.set_service_manager(systemd);
    g_server.store(&server);
    install_handlers(true);
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
    } catch (const std::exception& e) {
        report_fatal(hellod::fatal_sentence(e));
        return hellod::exit_code_for(e);
    }
}
