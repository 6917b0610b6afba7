// hellod-bench: a single-threaded epoll load generator for hellod (see usage_text()).

#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cstdio>
#include <exception>
#include <span>

#include "load_engine.hpp"
#include "options.hpp"
#include "report.hpp"
#include "signals.hpp"
#include "startup.hpp"
#include "target.hpp"
#include "unique_fd.hpp"

namespace {

constexpr int kExitMeasured = 0;
constexpr int kExitFailed = 1;
constexpr int kExitNothingMeasured = 3;
constexpr int kExitUsage = 64;  // EX_USAGE

// As many descriptors as the hard limit allows: hold opens thousands.
void raise_descriptor_limit(int wanted) {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < static_cast<rlim_t>(wanted) + 16)
        std::fprintf(stderr, "hellod-bench: warning: RLIMIT_NOFILE %llu is below %d connections\n",
                     static_cast<unsigned long long>(rl.rlim_cur), wanted);
}

// free-port: a port the kernel picks on 127.0.0.1 (free now; a small race, fine for tests).
int print_free_port() {
    const hellod_bench::UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (!fd || bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        std::perror("hellod-bench: free-port");
        return kExitFailed;
    }
    std::printf("%u\n", static_cast<unsigned>(ntohs(addr.sin_port)));
    return kExitMeasured;
}

int run(const hellod_bench::Options& options) {
    using hellod_bench::Mode;
    if (options.mode == Mode::help) {
        std::fputs(hellod_bench::usage_text(), stdout);
        return kExitMeasured;
    }
    if (options.mode == Mode::free_port) return print_free_port();
    const auto target = hellod_bench::resolve_target(options.target);
    if (!target) {
        std::fprintf(stderr, "hellod-bench: cannot resolve --target %s\n", options.target.c_str());
        return kExitFailed;
    }
    hellod_bench::install_stop_handlers();
    if (options.mode == Mode::startup) return hellod_bench::run_startup(options, *target);
    raise_descriptor_limit(options.conns);
    hellod_bench::LoadEngine engine(options, *target);
    const auto result = engine.run();
    std::printf("%s\n", hellod_bench::report_json(options, result).c_str());
    std::fflush(stdout);
    const bool measured = options.mode == Mode::hold ? result.held > 0 : result.ops > 0;
    return measured ? kExitMeasured : kExitNothingMeasured;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const auto options =
            hellod_bench::parse_options(std::span<char* const>(argv + 1, argc - 1));
        return run(options);
    } catch (const hellod_bench::UsageError& e) {
        std::fprintf(stderr, "hellod-bench: %s\n", e.what());
        return kExitUsage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hellod-bench: %s\n", e.what());
        return kExitFailed;
    }
}
