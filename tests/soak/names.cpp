#include "names.hpp"

#include <array>
#include <string_view>

namespace hellod_soak {

namespace {

constexpr std::array<std::string_view, 40> kNames = {"Michael",
                                                     "Tracy",
                                                     "Sarah",
                                                     "Ada Lovelace",
                                                     "Grace",
                                                     "Linus",
                                                     "Ken",
                                                     "Dennis",
                                                     "Zoë",
                                                     "José",
                                                     "Łukasz",
                                                     "Søren",
                                                     "François",
                                                     "Ĳsbrand",
                                                     "Ærøskøbing",
                                                     "Ñandú",
                                                     "Дмитрий",
                                                     "Αθηνά",
                                                     "李雷",
                                                     "田中 花子",
                                                     "김민준",
                                                     "नमस्ते",
                                                     "محمد",
                                                     "שלום",
                                                     "🙂 smiley",
                                                     "crab 🦀",
                                                     "e\u0301 (combining)",
                                                     "\u00a0nbsp\u00a0",
                                                     "100%",
                                                     "%s",
                                                     "%%",
                                                     "50% off",
                                                     "a%sb%%c",
                                                     "O'Brien",
                                                     "\"quoted\"",
                                                     "back\\slash",
                                                     "x",
                                                     "exit now",
                                                     "EXIT",
                                                     "Exit"};

}  // namespace

std::string random_name(Rng& rng) {
    std::string name(kNames[pick(rng, 0, kNames.size() - 1)]);
    if (chance(rng, 0.2)) {
        name += ' ';
        name += kNames[pick(rng, 0, kNames.size() - 1)];
    }
    return name;
}

std::string random_blanks(Rng& rng) {
    std::string blanks;
    if (chance(rng, 0.7)) return blanks;
    for (std::size_t n = pick(rng, 1, 4); n > 0; --n)
        blanks += chance(rng, 0.5) ? ' ' : '\t';
    return blanks;
}

std::string random_terminator(Rng& rng) {
    return chance(rng, 0.5) ? "\n" : "\r\n";
}

}  // namespace hellod_soak
