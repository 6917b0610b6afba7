#pragma once

#include <exception>
#include <stdexcept>
#include <string>

#include "log/log_level.hpp"

namespace hellod {

// The sysexits.h codes the daemon uses, named once so that main() and the tests agree. Only app/
// knows them: the layers below throw errors that say what failed, and exit_code_for() maps
// those to a code here.
namespace exit_code {
inline constexpr int ok = 0;
// --probe: the server did not answer as it should. Not a sysexits code: Docker's HEALTHCHECK
// reads 1 as unhealthy (and reserves 2).
inline constexpr int unhealthy = 1;
inline constexpr int usage = 64;        // EX_USAGE: bad flag or bad value on the command line
inline constexpr int no_input = 66;     // EX_NOINPUT: the config file cannot be read
inline constexpr int no_user = 67;      // EX_NOUSER: the user or group to run as does not exist
inline constexpr int no_host = 68;      // EX_NOHOST: a listen host name does not resolve
inline constexpr int unavailable = 69;  // EX_UNAVAILABLE: address in use or not available
inline constexpr int software = 70;     // EX_SOFTWARE: a bug
inline constexpr int os_error = 71;     // EX_OSERR: the system refused something we need
inline constexpr int no_perm = 77;      // EX_NOPERM: a privileged port, or --user, without root
inline constexpr int config = 78;       // EX_CONFIG: bad value in the config file or environment
}  // namespace exit_code

// An error of app/'s own that ends the daemon before it serves: one sentence for stderr and its
// exit code.
class FatalError : public std::runtime_error {
  public:
    FatalError(int code, const std::string& sentence) : std::runtime_error(sentence), code_(code) {}
    int code() const noexcept { return code_; }

  private:
    int code_;
};

// The exit code for an error that ended the start: FatalError's own, or what a lower layer's
// error (ConfigError, IdentityError, net::Error, std::system_error) means for the process;
// exit_code::software for anything else, which is a bug.
int exit_code_for(const std::exception& error);

// The sentence to print for it: what() itself, or for a bug "internal error: " before it.
std::string fatal_sentence(const std::exception& error);

// Prints a sentence of main()'s own where the logs go, in order after what was logged: on
// stderr after "hellod: " (and the level's name, for other than errors: "hellod: warning: "),
// with the journal's priority under systemd, as a json line once the settings ask for json, or
// to syslog under inetd, where stderr is the client.
void report(LogLevel level, const std::string& sentence);
// report(LogLevel::error, ...): the sentence that ends the process.
void report_fatal(const std::string& sentence);

}  // namespace hellod
