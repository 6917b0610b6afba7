#pragma once

#include <cstddef>
#include <span>

namespace hellod {

// A transformation of incoming bytes that the stream applies as they arrive (the telnet IAC
// filter is one). It may only drop bytes, so it works in place.
class InputFilter {
  public:
    struct Result {
        std::size_t kept = 0;  // bytes[0, kept) are the output
        bool stop = false;     // the input ends after these bytes (e.g. telnet IAC IP)
    };
    virtual ~InputFilter() = default;
    virtual Result filter(std::span<char> bytes) = 0;
};

}  // namespace hellod
