#include "report.hpp"

#include <cinttypes>

#include "client_engine.hpp"

namespace hellod_soak {

namespace {

constexpr const char* kOutcomeNames[kOutcomes] = {"complete", "left-first", "shutdown-line",
                                                  "given-up", "not-served"};

}  // namespace

void print_kinds(const Tally& tally) {
    std::printf("  %-13s %9s %9s %7s  %s\n", "client kind", "sessions", "ok", "failed",
                "how they ended; what was checked");
    for (std::size_t k = 0; k < kKinds; ++k) {
        const KindTally& t = tally.kinds[k];
        if (t.started == 0) continue;
        std::string ends;
        for (std::size_t o = 0; o < kOutcomes; ++o) {
            if (t.outcomes[o] == 0) continue;
            ends += (ends.empty() ? "" : ", ") + std::string(kOutcomeNames[o]) + " " +
                    std::to_string(t.outcomes[o]);
        }
        if (ends.empty()) ends = "none ended well";
        std::string checked = std::to_string(t.bytes_checked) + " bytes checked";
        if (t.server_lines != 0)
            checked = std::to_string(t.server_lines) + " server lines, " + checked;
        std::printf("  %-13s %9" PRIu64 " %9" PRIu64 " %7" PRIu64 "  %s; %s\n",
                    std::string(kind_name(static_cast<Kind>(k))).c_str(), t.started, t.ok(),
                    t.failed, ends.c_str(), checked.c_str());
    }
}

void print_failures(const Tally& tally) {
    if (tally.failures.empty()) return;
    std::printf("  first failures (of %" PRIu64 "):\n", tally.failed);
    for (const auto& f : tally.failures)
        std::printf("    session %" PRIu64 " (%s, %s): %s\n", f.session,
                    std::string(kind_name(f.kind)).c_str(), f.variant.c_str(), f.what.c_str());
}

std::string describe_ends(const LogCounts& log) {
    std::string text;
    for (const auto& [end, count] : log.ends)
        text += (text.empty() ? "" : ", ") + end + " " + std::to_string(count);
    return text.empty() ? "none" : text;
}

void print_log_tail(const std::vector<std::string>& lines) {
    std::printf("  last lines of hellod's log:\n");
    for (const auto& line : lines)
        std::printf("    %s\n", line.c_str());
}

int Verdicts::print(const char* name) const {
    for (const auto& f : failed_)
        std::printf("  check failed: %s\n", f.c_str());
    std::printf("%s %s\n", name, failed_.empty() ? "PASS" : "FAIL");
    std::fflush(stdout);
    return failed_.empty() ? 0 : 1;
}

}  // namespace hellod_soak
