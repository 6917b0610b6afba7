#pragma once

// The built hellod binary as a child process: started with an environment the test chooses,
// stderr into a file the test reads, and every wait bounded (a pidfd makes the exit an event to
// poll for, not something to sleep on).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "net/fd.hpp"

extern char** environ;

namespace hellod::testing {

class ChildProcess {
  public:
    // `env` entries ("NAME=value") are added to this process's environment.
    ChildProcess(const std::vector<std::string>& args, const std::vector<std::string>& env,
                 std::string stderr_path)
        : stderr_path_(std::move(stderr_path)) {
        std::vector<std::string> environment(env);
        for (char** entry = environ; *entry; ++entry)
            environment.emplace_back(*entry);
        std::vector<char*> argv;
        for (const auto& arg : args)
            argv.push_back(const_cast<char*>(arg.c_str()));
        argv.push_back(nullptr);
        std::vector<char*> envp;
        for (const auto& entry : environment)
            envp.push_back(const_cast<char*>(entry.c_str()));
        envp.push_back(nullptr);

        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path_.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int error = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        if (error != 0) throw std::runtime_error("cannot start " + args[0]);
        pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
    }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess() {
        if (!exit_status_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }

    pid_t pid() const { return pid_; }
    void signal(int number) const { ::kill(pid_, number); }

    // The exit status (as waitpid reports it), or nullopt if the child is still running after
    // `timeout`.
    std::optional<int> wait(std::chrono::milliseconds timeout) {
        if (exit_status_) return exit_status_;
        pollfd p{pidfd_.get(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
        int status = 0;
        if (::waitpid(pid_, &status, 0) == pid_) exit_status_ = status;
        return exit_status_;
    }

    std::string stderr_text() const {
        std::ifstream in(stderr_path_);
        std::ostringstream out;
        out << in.rdbuf();
        return out.str();
    }

  private:
    std::string stderr_path_;
    pid_t pid_ = -1;
    net::UniqueFd pidfd_;
    std::optional<int> exit_status_;
};

// `binary` run with `args`. As root (as CI runs), it also drops to nobody once bound, as a
// root-started hellod must: it refuses to serve as root without --user.
inline std::vector<std::string> hellod_command(std::string binary, std::vector<std::string> args) {
    args.insert(args.begin(), std::move(binary));
    if (::geteuid() == 0) args.insert(args.end(), {"--user", "nobody", "--group", "nogroup"});
    return args;
}

// The port of the first "listening on 127.0.0.1:PORT" in a log, or 0. (No <regex>: under
// ASan, GCC 12 warns inside it, and the sanitizer builds use -Werror.)
inline unsigned port_from_log(std::string_view log) {
    constexpr std::string_view marker = "listening on 127.0.0.1:";
    const auto at = log.find(marker);
    if (at == std::string_view::npos) return 0;
    unsigned port = 0;
    for (auto i = at + marker.size(); i < log.size() && log[i] >= '0' && log[i] <= '9'; ++i)
        port = port * 10 + static_cast<unsigned>(log[i] - '0');
    return port > 65535 ? 0 : port;
}

}  // namespace hellod::testing
