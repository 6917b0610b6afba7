#pragma once

#include <stdexcept>
#include <string>

namespace hellod {

// What reading the settings throws: one sentence naming the option (and the file and line),
// and which source was at fault, which decides the exit code (app/fatal_error).
class ConfigError : public std::runtime_error {
  public:
    enum class Kind {
        usage,       // the command line: an unknown option, a bad value
        invalid,     // a bad value in the environment or the config file
        unreadable,  // the config file cannot be read
    };

    ConfigError(Kind kind, const std::string& sentence)
        : std::runtime_error(sentence), kind_(kind) {}
    Kind kind() const noexcept { return kind_; }

  private:
    Kind kind_;
};

}  // namespace hellod
