#include "app/inetd.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>

#include "app/fatal_error.hpp"
#include "app/preflight.hpp"
#include "app/serve_as.hpp"
#include "app/signals.hpp"
#include "log/log.hpp"
#include "os/privileges.hpp"
#include "server/server.hpp"

namespace hellod {
namespace {

bool same_file(int a, int b) {
    struct stat first {};
    struct stat second {};
    return ::fstat(a, &first) == 0 && ::fstat(b, &second) == 0 && first.st_dev == second.st_dev &&
           first.st_ino == second.st_ino;
}

bool is_connected_stream(int fd) {
    return sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 0) > 0;
}

}  // namespace

InetdConnection take_inetd_connection(std::optional<net::InheritedSockets> inherited) {
    InetdConnection connection;
    if (is_connected_stream(STDIN_FILENO)) {
        connection.fd.reset(::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3));
        if (!connection.fd)
            throw FatalError(exit_code::os_error, std::string("--inetd cannot duplicate standard "
                                                              "input: ") +
                                                      std::strerror(errno));
    } else if (inherited && inherited->connected.size() == 1 && inherited->stream.empty()) {
        connection.fd = std::move(inherited->connected.front());
    } else {
        throw FatalError(exit_code::usage,
                         "--inetd needs a connected stream socket as standard input (started by "
                         "inetd, or by a systemd socket with Accept=yes)");
    }
    // The descriptors the connection leaves behind on 0, 1 and maybe 2 go to /dev/null, so the
    // numbers stay taken (nothing opened later lands on them) but lead nowhere.
    connection.stderr_was_connection = same_file(STDERR_FILENO, connection.fd.get());
    const net::UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!null)
        throw FatalError(exit_code::os_error,
                         std::string("cannot open /dev/null: ") + std::strerror(errno));
    for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO})
        if (fd != STDERR_FILENO || connection.stderr_was_connection) ::dup2(null.get(), fd);
    return connection;
}

int serve_inetd(const Invocation& invocation, std::optional<net::InheritedSockets> inherited) {
    const Settings& settings = invocation.settings;
    auto connection = take_inetd_connection(std::move(inherited));
    log::init(connection.stderr_was_connection ? log::Destination::syslog
                                               : log::detect_destination());
    // The connection is the only socket, and it is open already.
    const Preflight checked = preflight(invocation, false);
    for (const auto& warning : checked.warnings)
        HLOG(warning) << warning;
    serve_as(checked.identity);
    ::tzset();
    sigset_t wait_mask = block_signals();
    Server server(std::make_shared<const Settings>(settings), {});
    const SignalRoute signals(server, nullptr, false);
    server.serve_one(std::move(connection.fd), &wait_mask);
    return 0;
}

}  // namespace hellod
