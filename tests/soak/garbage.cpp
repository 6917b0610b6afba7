#include "garbage.hpp"

#include <array>
#include <string_view>

namespace hellod_soak {

namespace {

constexpr char kIac = '\xff';

constexpr std::array<std::string_view, 8> kInvalidUtf8 = {
    "\xc3\x28",          // a lead byte without its continuation
    "\xe2\x82",          // a sequence cut short
    "\xc0\xaf",          // overlong '/'
    "\xed\xa0\x80",      // a UTF-16 surrogate
    "\xf8\x88\x80\x80",  // five-byte form
    "\x80\x80\x80",      // lone continuations
    "\xfe\xfe",          // never valid in UTF-8
    "\xf4\x90\x80\x80",  // above U+10FFFF
};

constexpr std::array<std::string_view, 6> kTerminalEscapes = {
    "\x1b[31mred\x1b[0m",
    "\x1b]0;title\x07",
    "\x1b[2J\x1b[H",
    "\x1b[6n",
    "\x9b"
    "31m",
    "\x07\x08\x7f",
};

constexpr std::array<std::string_view, 7> kTerminators = {"\n",   "\r\n", "\r",      "\r\r\n",
                                                          "\n\r", "\n\n", "\r\n\r\n"};

// Telnet commands that stand alone: SE (stray), NOP, DM, AO, AYT, EC, EL, GA.
constexpr std::array<char, 8> kLoneCommands = {'\xf0', '\xf1', '\xf2', '\xf5',
                                               '\xf6', '\xf7', '\xf8', '\xf9'};

char any_byte_but_iac(Rng& rng) {
    return static_cast<char>(pick(rng, 0, 254));
}

std::string printable_run(Rng& rng) {
    std::string run;
    for (std::size_t n = pick(rng, 1, 40); n > 0; --n)
        run += chance(rng, 0.15) ? (chance(rng, 0.5) ? ' ' : '\t')
                                 : static_cast<char>(pick(rng, 0x21, 0x7e));
    return run;
}

std::string binary_run(Rng& rng) {
    std::string run;
    for (std::size_t n = pick(rng, 1, 40); n > 0; --n)
        run += chance(rng, 0.2) ? '\0' : any_byte_but_iac(rng);
    return run;
}

std::string negotiation(Rng& rng) {
    const auto verb = static_cast<char>(pick(rng, 251, 254));  // WILL, WONT, DO, DONT
    char option = static_cast<char>(pick(rng, 0, 255));
    if (verb == '\xfd' && option == '\x06') option = '\x01';  // never DO TIMING-MARK
    return {kIac, verb, option};
}

std::string subnegotiation(Rng& rng, bool finished) {
    std::string sub{kIac, '\xfa'};
    for (std::size_t n = pick(rng, 0, 24); n > 0; --n) {
        if (chance(rng, 0.1)) {
            sub += {kIac, kIac};  // an escaped 0xFF inside the negotiation
        } else if (chance(rng, 0.05)) {
            sub += {kIac, '\xf1'};  // IAC NOP does not end it; only IAC SE does
        } else {
            sub += any_byte_but_iac(rng);
        }
    }
    if (finished) sub += {kIac, '\xf0'};
    return sub;
}

}  // namespace

std::string random_garbage(Rng& rng, const GreetingRules& rules) {
    ServerModel probe(rules);
    std::string out;
    const std::size_t limit = rules.max_line_bytes;
    const std::size_t target = chance(rng, 0.2) ? pick(rng, limit, 4 * limit) : pick(rng, 8, 600);
    while (out.size() < target && !probe.finished()) {
        std::string segment;
        bool last = false;
        switch (pick(rng, 0, 19)) {
            case 0:
            case 1:
            case 2:
                segment = printable_run(rng);
                break;
            case 3:
            case 4:
                segment = binary_run(rng);
                break;
            case 5:
                segment = kInvalidUtf8[pick(rng, 0, kInvalidUtf8.size() - 1)];
                break;
            case 6:
                segment = kTerminalEscapes[pick(rng, 0, kTerminalEscapes.size() - 1)];
                break;
            case 7:
            case 8:
            case 9:
                segment = kTerminators[pick(rng, 0, kTerminators.size() - 1)];
                break;
            case 10:
                segment = {kIac, kIac};
                break;
            case 11:
                segment = negotiation(rng);
                break;
            case 12:
                segment = subnegotiation(rng, true);
                break;
            case 13:
                segment = {kIac, kLoneCommands[pick(rng, 0, kLoneCommands.size() - 1)]};
                break;
            case 14:  // over-long, sometimes by one byte only
                segment.assign(chance(rng, 0.3) ? limit + 1 : pick(rng, limit + 2, 2 * limit), 'L');
                segment += random_terminator(rng);
                break;
            case 15:  // exactly at the limit: still a line
                segment.assign(limit, 'M');
                segment += random_terminator(rng);
                break;
            case 16:
                segment = random_blanks(rng) + random_name(rng) + random_terminator(rng);
                break;
            case 17:
                if (chance(rng, 0.3))
                    segment = random_blanks(rng) + "exit" + random_terminator(rng);
                break;
            case 18:
                if (chance(rng, 0.3)) {
                    // An interrupt while the rest of an over-long line is being skipped would
                    // make the output depend on reads (see ServerModel): end that line first.
                    if (probe.skipping_long_line() && !probe.in_telnet_command()) segment = "\n";
                    segment += {kIac, chance(rng, 0.5) ? '\xf4' : '\xf3'};  // IP or BRK
                }
                break;
            default:
                if (chance(rng, 0.1)) {
                    segment = subnegotiation(rng, false);
                    last = true;  // unfinished: everything after it would be swallowed anyway
                }
                break;
        }
        probe.feed(segment);
        out += segment;
        if (last) break;
    }
    return out;
}

}  // namespace hellod_soak
