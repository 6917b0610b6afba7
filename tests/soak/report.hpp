#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "log_watch.hpp"
#include "tally.hpp"

namespace hellod_soak {

// The figures every scenario prints, and its verdict.

// One line per client kind: started, how they ended, failures, what was checked.
void print_kinds(const Tally& tally);
// The first failures in full (the session number replays with --seed).
void print_failures(const Tally& tally);
// The access lines by how they ended, e.g. "exit 45012, eof 20110, idle 3012".
std::string describe_ends(const LogCounts& log);
// The last lines of the daemon's log, for a failure.
void print_log_tail(const std::vector<std::string>& lines);

// Collects the checks that failed and prints PASS or FAIL.
class Verdicts {
  public:
    void check(bool ok, const std::string& what) {
        if (!ok) failed_.push_back(what);
    }
    bool passed() const { return failed_.empty(); }
    // Prints "PASS" or every failed check and "FAIL"; returns the exit code (0 or 1).
    int print(const char* name) const;

  private:
    std::vector<std::string> failed_;
};

}  // namespace hellod_soak
