#include "daemon_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string_view>

extern char** environ;

namespace hellod_soak {

namespace {

// Variables that would change what hellod does behind the config file's back: its own
// settings, and those of a service manager that may be running the tests.
bool inherited_safely(std::string_view entry) {
    for (const std::string_view prefix :
         {"HELLOD_", "LISTEN_", "NOTIFY_SOCKET=", "WATCHDOG_", "JOURNAL_STREAM="})
        if (entry.starts_with(prefix)) return false;
    return true;
}

}  // namespace

DaemonProcess::DaemonProcess(const std::string& binary, const std::vector<std::string>& args,
                             const std::string& log_path) {
    // Everything the child needs is made before fork: between fork and exec only
    // async-signal-safe calls are allowed.
    std::vector<std::string> argv_text{binary};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (char** e = environ; *e != nullptr; ++e)
        if (inherited_safely(*e)) envp.push_back(*e);
    envp.push_back(nullptr);

    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe2: " + std::string(std::strerror(errno)));
    hellod::net::UniqueFd read_end(ends[0]);
    hellod::net::UniqueFd write_end(ends[1]);
    hellod::net::UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    const pid_t parent = ::getpid();

    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
    if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
        // dup2 clears close-on-exec on the copies: these three are all hellod inherits, not
        // whatever our own parent (ctest, a shell) left open, so its descriptor count is its own.
        ::dup2(null.get(), STDIN_FILENO);
        ::dup2(write_end.get(), STDOUT_FILENO);
        ::dup2(write_end.get(), STDERR_FILENO);
        ::close_range(STDERR_FILENO + 1, ~0U, 0);
        ::execve(argv[0], argv.data(), envp.data());
        static constexpr char failed[] = "hellod-soak: exec failed\n";
        [[maybe_unused]] const auto ignored = ::write(STDERR_FILENO, failed, sizeof failed - 1);
        ::_exit(127);
    }
    write_end.reset();  // the pipe ends when the child's copies close: when it exits
    pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
    log_ = std::make_unique<LogWatch>(std::move(read_end), log_path);
}

DaemonProcess::~DaemonProcess() {
    if (!status_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    log_.reset();  // the pipe has closed: its reader ends
}

void DaemonProcess::signal(int number) const {
    if (!status_) ::kill(pid_, number);
}

std::optional<int> DaemonProcess::wait_exit(std::chrono::milliseconds timeout) {
    if (status_) return status_;
    pollfd p{pidfd_.get(), POLLIN, 0};
    if (!pidfd_ || ::poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
        // Without a pidfd (an old kernel), a non-blocking check is all there is.
        int status = 0;
        if (!pidfd_ && ::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
        return status_;
    }
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_) status_ = status;
    return status_;
}

std::string describe_status(int status) {
    if (WIFEXITED(status)) return "exited " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
}

}  // namespace hellod_soak
