#pragma once

#include <stdexcept>
#include <string>

namespace hellod::net {

// What net/ throws: a sentence for a person and what failed. What that means for the process
// (an exit code, a warning) is the caller's to decide.
class Error : public std::runtime_error {
  public:
    enum class Kind {
        system,        // a call failed; error_number() says why (EADDRINUSE, EACCES, ...)
        unknown_host,  // a host name does not resolve
        bad_address,   // not an address: its syntax, or a port or service that does not exist
    };

    Error(Kind kind, int error_number, const std::string& sentence)
        : std::runtime_error(sentence), kind_(kind), error_number_(error_number) {}

    Kind kind() const noexcept { return kind_; }
    int error_number() const noexcept { return error_number_; }  // 0 unless kind is system

  private:
    Kind kind_;
    int error_number_;
};

}  // namespace hellod::net
