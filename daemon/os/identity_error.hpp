#pragma once

#include <stdexcept>
#include <string>

namespace hellod {

// What looking up and becoming another user throws: one sentence naming the option, and what
// kind of failure it was, which decides the exit code (app/fatal_error).
class IdentityError : public std::runtime_error {
  public:
    enum class Kind {
        no_such_account,  // the user or group does not exist
        refused,          // the settings ask for something hellod will not do (serve as root)
        not_permitted,    // only root could do it, and hellod is not root
        system,           // the user database or a system call failed
    };

    IdentityError(Kind kind, const std::string& sentence)
        : std::runtime_error(sentence), kind_(kind) {}
    Kind kind() const noexcept { return kind_; }

  private:
    Kind kind_;
};

}  // namespace hellod
