#pragma once

#include <array>
#include <chrono>

#include "names.hpp"
#include "plan.hpp"
#include "server_model.hpp"

namespace hellod_soak {

struct PlanSettings {
    GreetingRules rules;
    // Whether a stalled client ends with "Error: idle timeout" (the load test), or holds on
    // until something else ends it (the SIGTERM test, whose idle timeout is long).
    bool idle_close = true;
    std::chrono::milliseconds idle_timeout{2000};
    std::chrono::milliseconds write_timeout{1000};
    std::chrono::milliseconds client_timeout{15000};  // any session, start to end
};

// How often each kind is picked, per thousand.
using KindWeights = std::array<unsigned, kKinds>;
Kind pick_kind(Rng& rng, const KindWeights& weights);

// A client of `kind`, its flavour picked at random, its expected output from ServerModel.
Plan make_plan(Kind kind, Rng& rng, const PlanSettings& settings);

// A well-behaved client that talks for a while: `lines` lines, one at a time, each after the
// previous reply and a pause of 20-100 ms, then the exit command (the SIGTERM test's sessions
// that are mid-conversation when the signal comes).
Plan make_long_conversation(Rng& rng, const PlanSettings& settings, std::size_t lines);

// The generator for session `index` of a run with `seed`: the same pair gives the same plan.
Rng session_rng(std::uint64_t seed, std::uint64_t index);

}  // namespace hellod_soak
