#pragma once

#include <cstdint>
#include <string>

namespace hellod_bench {

// Every failure is counted under exactly one kind; errors = their sum.
struct ErrorCounts {
    std::uint64_t connect = 0;   // connect refused, failed, or closed before the welcome
    std::uint64_t reset = 0;     // ECONNRESET on an established connection
    std::uint64_t eof = 0;       // the server closed an established connection unasked
    std::uint64_t mismatch = 0;  // a byte differed from what the protocol says
    std::uint64_t timeout = 0;   // no (complete) answer within the bound
    std::uint64_t other = 0;     // anything else (a send that failed, socket() failing...)

    std::uint64_t total() const { return connect + reset + eof + mismatch + timeout + other; }

    std::string json() const {
        return "{\"connect\":" + std::to_string(connect) + ",\"reset\":" + std::to_string(reset) +
               ",\"eof\":" + std::to_string(eof) + ",\"mismatch\":" + std::to_string(mismatch) +
               ",\"timeout\":" + std::to_string(timeout) + ",\"other\":" + std::to_string(other) +
               "}";
    }
};

}  // namespace hellod_bench
