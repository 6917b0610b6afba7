// hellod: parse the settings and do what they ask: serve (app/daemon), serve one inetd session
// (app/inetd), probe a server (app/probe), or print help, the version, the settings, or a
// verdict on them. A failure ends it with one sentence and a sysexits code (app/fatal_error).
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <span>

#include "app/daemon.hpp"
#include "app/fatal_error.hpp"
#include "app/inetd.hpp"
#include "app/probe.hpp"
#include "app/reload_handler.hpp"
#include "app/test_config.hpp"
#include "config/invocation.hpp"
#include "config/to_ini.hpp"
#include "log/log.hpp"
#include "net/inherited_sockets.hpp"

namespace {

int run(std::span<const char* const> args) {
    const auto invocation = hellod::parse_invocation(args, hellod::current_environment());
    // From here on the format is known, and report_fatal follows it.
    hellod::use_log_settings(invocation.settings);
    switch (invocation.action) {
        case hellod::Action::help:
            std::cout << invocation.help_text;
            return 0;
        case hellod::Action::version:
            std::cout << "hellod " << HELLOD_VERSION << '\n';
            return 0;
        case hellod::Action::print_config:
            std::cout << hellod::to_ini(invocation.settings);
            return 0;
        case hellod::Action::test_config:
            return hellod::test_config(invocation);
        case hellod::Action::probe:
            return hellod::run_probe(invocation);
        case hellod::Action::run:
            break;
    }
    // Before any thread starts: this unsets LISTEN_FDS and friends.
    auto inherited = hellod::net::take_inherited_sockets();
    if (invocation.inetd) return hellod::serve_inetd(invocation, std::move(inherited));
    return hellod::run_daemon(invocation, args, std::move(inherited));
}

}  // namespace

int main(int argc, char** argv) {
    int code = 0;
    try {
        code = run(std::span<const char* const>(argv, static_cast<std::size_t>(argc)));
    } catch (const std::exception& e) {
        hellod::report_fatal(hellod::fatal_sentence(e));
        code = hellod::exit_code_for(e);
    }
    // The queued lines get a moment to reach stderr; a reader that has stopped reading does not
    // get to hold the exit. When it did stop, the log's thread may be inside a write(2) or
    // syslog(3) that never returns, and the static destructors would join it: end here instead.
    if (!hellod::log::finish(std::chrono::milliseconds(500))) {
        std::cout.flush();
        std::_Exit(code);
    }
    return code;
}
