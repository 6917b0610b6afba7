#include "os/readable_as.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "text/escape.hpp"

namespace hellod {
namespace {

// Where 32-bit systems keep the calls that take 32-bit ids.
#ifdef SYS_setresuid32
constexpr long sys_setgroups = SYS_setgroups32;
constexpr long sys_setresgid = SYS_setresgid32;
constexpr long sys_setresuid = SYS_setresuid32;
#else
constexpr long sys_setgroups = SYS_setgroups;
constexpr long sys_setresgid = SYS_setresgid;
constexpr long sys_setresuid = SYS_setresuid;
#endif

// What the child reports through its pipe: whether it became the identity, and what the open
// then met.
struct Report {
    int became = 0;  // 1 once every step of becoming the identity succeeded
    int error = 0;   // open's errno, or 0
};

// The child: a copy of one thread of a process that may have others (the log's writer), so only
// what is async-signal-safe may run here. Hence the system calls themselves rather than glibc's
// setresuid and friends, which would try to reach every thread of the parent, and no memory
// allocated. The same steps as drop_privileges, in the same order; the ids change for this
// process alone and end with it.
[[noreturn]] void child(uid_t uid, gid_t gid, const char* path, int report_fd) {
    Report report;
    __user_cap_header_struct header{};
    header.version = _LINUX_CAPABILITY_VERSION_3;
    __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3]{};
    if (::syscall(sys_setgroups, 1, &gid) == 0 && ::syscall(sys_setresgid, gid, gid, gid) == 0 &&
        ::syscall(sys_setresuid, uid, uid, uid) == 0 && ::syscall(SYS_capset, &header, none) == 0) {
        report.became = 1;
        const long fd =
            ::syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        report.error = fd < 0 ? errno : 0;
    }
    (void)::syscall(SYS_write, report_fd, &report, sizeof report);
    ::_exit(0);
}

}  // namespace

std::optional<int> open_error_as(const Identity& identity, const std::string& path) {
    if (::geteuid() != 0) return std::nullopt;
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return std::nullopt;
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(pipe_fds[0]);
        child(identity.uid, identity.gid, path.c_str(), pipe_fds[1]);
    }
    ::close(pipe_fds[1]);
    Report report;
    std::size_t got = 0;
    while (pid > 0 && got < sizeof report) {
        const ssize_t n =
            ::read(pipe_fds[0], reinterpret_cast<char*>(&report) + got, sizeof report - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    ::close(pipe_fds[0]);
    while (pid > 0 && ::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    if (pid < 0 || got < sizeof report || report.became != 1) return std::nullopt;
    return report.error;
}

std::string unreadable_config_warning(std::string_view path, std::string_view user, int error) {
    const std::string who = escaped(user);
    return "config file " + escaped(path) + " is not readable by user " + who + " (" +
           std::strerror(error) + "), so every reload will fail; make it readable by " + who +
           " (and its directories searchable), or restart hellod to apply changes";
}

std::optional<std::string> config_access_warning(const std::string& config_file,
                                                 const Identity& identity) {
    if (config_file.empty()) return std::nullopt;
    const auto error = open_error_as(identity, config_file);
    if (!error || *error == 0) return std::nullopt;
    return unreadable_config_warning(config_file, identity.user, *error);
}

}  // namespace hellod
