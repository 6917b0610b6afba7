#pragma once

#include <random>
#include <string>

namespace hellod_soak {

using Rng = std::mt19937_64;

// A name to greet: ASCII or UTF-8 (accents, other scripts, emoji), sometimes with '%' in it
// (the reply template must not expand what the client sent).
std::string random_name(Rng& rng);

// Spaces and tabs around a line, which the server trims.
std::string random_blanks(Rng& rng);

// "\n" or "\r\n": the server accepts both.
std::string random_terminator(Rng& rng);

// Uniform integer in [low, high].
inline std::size_t pick(Rng& rng, std::size_t low, std::size_t high) {
    return std::uniform_int_distribution<std::size_t>(low, high)(rng);
}
inline bool chance(Rng& rng, double p) {
    return std::bernoulli_distribution(p)(rng);
}

}  // namespace hellod_soak
