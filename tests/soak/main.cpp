// hellod-soak: soak and fault tests against the real hellod binary (see options.cpp for the
// scenarios, and docs/testing.md's "Soak and fault tests").
#include <signal.h>

#include <cstdio>
#include <exception>
#include <random>
#include <span>

#include "options.hpp"
#include "scenarios.hpp"

int main(int argc, char** argv) {
    using namespace hellod_soak;
    try {
        const auto options =
            parse_options(std::span<char* const>(argv, static_cast<std::size_t>(argc)));
        if (!options) return 0;
        ::signal(SIGPIPE, SIG_IGN);  // every send has MSG_NOSIGNAL; this covers the rest
        const std::uint64_t seed =
            options->seed ? *options->seed
                          : (std::uint64_t{std::random_device{}()} << 32 | std::random_device{}());
        return options->scenario == Scenario::load ? run_load(*options, seed)
                                                   : run_sigterm(*options, seed);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "hellod-soak: %s\n", e.what());
        return 64;
    } catch (const std::exception& e) {
        std::printf("hellod-soak: %s\nFAIL\n", e.what());
        return 1;
    }
}
