#include "startup.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "clock.hpp"
#include "errors.hpp"
#include "json_line.hpp"
#include "protocol.hpp"
#include "unique_fd.hpp"

namespace hellod_bench {

namespace {

constexpr auto kRetryPause = std::chrono::microseconds(100);

// The child's side of fork: optional CPU pinning, quiet stdio, exec. Never returns.
[[noreturn]] void exec_child(const Options& o) {
    if (o.server_cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(o.server_cpu, &set);
        sched_setaffinity(0, sizeof set, &set);
    }
    const int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
    }
    std::vector<char*> argv;
    for (const auto& a : o.command)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
}

// Whether the child has exited (reaped if so).
bool child_exited(pid_t pid) {
    int status = 0;
    return waitpid(pid, &status, WNOHANG) == pid;
}

// SIGTERM, up to 5 s to go, then SIGKILL.
void stop_child(pid_t pid) {
    kill(pid, SIGTERM);
    const auto deadline = now_ns() + seconds_to_ns(5);
    while (now_ns() < deadline) {
        if (child_exited(pid)) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
}

bool wait_readable(int fd, std::int64_t deadline) {
    const auto left_ms = (deadline - now_ns()) / 1'000'000;
    if (left_ms <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, static_cast<int>(left_ms)) == 1;
}

enum class Probe { answered, refused, failed };

// One attempt: connect; greeting: the first byte of the welcome; echo: one round trip.
Probe probe_once(const Target& target, const Script& script, std::int64_t deadline,
                 ErrorCounts& errors) {
    UniqueFd fd(socket(target.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    const linger no_linger{1, 0};
    setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &no_linger, sizeof no_linger);
    if (connect(fd.get(), target.sockaddr_ptr(), target.len) < 0) {
        if (errno == ECONNREFUSED) return Probe::refused;
        ++errors.connect;
        return Probe::failed;
    }
    if (!script.welcome_expected &&
        send(fd.get(), script.request.data(), script.request.size(), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(script.request.size())) {
        ++errors.other;
        return Probe::failed;
    }
    const std::string_view want =
        script.welcome_expected ? std::string_view(script.welcome).substr(0, 1) : script.reply;
    std::string got;
    while (got.size() < want.size()) {
        if (!wait_readable(fd.get(), deadline)) {
            ++errors.timeout;
            return Probe::failed;
        }
        char buf[256];
        const auto n = recv(fd.get(), buf, std::min(sizeof buf, want.size() - got.size()), 0);
        if (n <= 0) {
            ++(n == 0 ? errors.eof : errors.reset);
            return Probe::failed;
        }
        got.append(buf, static_cast<std::size_t>(n));
    }
    if (got != want) {
        ++errors.mismatch;
        return Probe::failed;
    }
    return Probe::answered;
}

double percentile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    const auto idx = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(idx, v.size() - 1)];
}

// One run: spawn, probe until it answers (or the deadline, or the child exits), stop it.
std::optional<double> one_run(const Options& o, const Target& target, const Script& script,
                              ErrorCounts& errors) {
    const auto start = now_ns();
    const auto deadline = start + seconds_to_ns(o.reply_timeout);
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) exec_child(o);
    std::optional<double> ms;
    for (;;) {
        if (now_ns() > deadline) {
            ++errors.timeout;
            break;
        }
        const auto probe = probe_once(target, script, deadline, errors);
        if (probe == Probe::answered) ms = static_cast<double>(now_ns() - start) / 1e6;
        if (probe != Probe::refused) break;
        if (child_exited(pid)) {
            std::fprintf(stderr, "hellod-bench: the command exited before answering\n");
            ++errors.connect;
            return ms;
        }
        std::this_thread::sleep_for(kRetryPause);
    }
    stop_child(pid);
    return ms;
}

}  // namespace

int run_startup(const Options& o, const Target& target) {
    const auto script = make_script(o.protocol, o.line);
    ErrorCounts errors;
    {  // Something already answering there would be measured instead of COMMAND.
        UniqueFd fd(socket(target.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (fd && connect(fd.get(), target.sockaddr_ptr(), target.len) == 0) {
            std::fprintf(stderr, "hellod-bench: something already listens on %s\n",
                         target.text.c_str());
            return 1;
        }
    }
    std::vector<double> ms;
    for (int run = 0; run < o.runs; ++run)
        if (const auto t = one_run(o, target, script, errors)) ms.push_back(*t);
    JsonLine j;
    j.add("mode", "startup").add("protocol", protocol_name(o.protocol));
    j.add("target", target.text).add("runs", o.runs).add("ok", static_cast<int>(ms.size()));
    if (!ms.empty()) {
        j.add("p50_ms", percentile(ms, 0.5), 2)
            .add("min_ms", *std::min_element(ms.begin(), ms.end()), 2)
            .add("max_ms", *std::max_element(ms.begin(), ms.end()), 2);
    } else {
        j.add_raw("p50_ms", "null").add_raw("min_ms", "null").add_raw("max_ms", "null");
    }
    j.add("errors", errors.total()).add_raw("error_kinds", errors.json());
    std::printf("%s\n", j.str().c_str());
    return ms.empty() ? 3 : 0;
}

}  // namespace hellod_bench
