#include "app/fatal_error.hpp"

#include <cerrno>
#include <chrono>
#include <iostream>
#include <system_error>

#include "config/config_error.hpp"
#include "log/line_format.hpp"
#include "log/log.hpp"
#include "net/error.hpp"
#include "os/identity_error.hpp"
#include "text/escape.hpp"

namespace hellod {
namespace {

int code_for(ConfigError::Kind kind) {
    switch (kind) {
        case ConfigError::Kind::usage:
            return exit_code::usage;
        case ConfigError::Kind::unreadable:
            return exit_code::no_input;
        case ConfigError::Kind::invalid:
            break;
    }
    return exit_code::config;
}

int code_for(IdentityError::Kind kind) {
    switch (kind) {
        case IdentityError::Kind::no_such_account:
            return exit_code::no_user;
        case IdentityError::Kind::refused:
            return exit_code::config;
        case IdentityError::Kind::not_permitted:
            return exit_code::no_perm;
        case IdentityError::Kind::system:
            break;
    }
    return exit_code::os_error;
}

int code_for(const net::Error& error) {
    switch (error.kind()) {
        case net::Error::Kind::unknown_host:
            return exit_code::no_host;
        case net::Error::Kind::bad_address:
            return exit_code::config;
        case net::Error::Kind::system:
            break;
    }
    switch (error.error_number()) {
        case EACCES:
        case EPERM:
            return exit_code::no_perm;  // a privileged port
        case EADDRINUSE:
        case EADDRNOTAVAIL:
        case EAFNOSUPPORT:
            return exit_code::unavailable;
        default:
            return exit_code::os_error;
    }
}

}  // namespace

int exit_code_for(const std::exception& error) {
    if (const auto* e = dynamic_cast<const FatalError*>(&error)) return e->code();
    if (const auto* e = dynamic_cast<const ConfigError*>(&error)) return code_for(e->kind());
    if (const auto* e = dynamic_cast<const IdentityError*>(&error)) return code_for(e->kind());
    if (const auto* e = dynamic_cast<const net::Error*>(&error)) return code_for(*e);
    if (dynamic_cast<const std::system_error*>(&error)) return exit_code::os_error;
    return exit_code::software;
}

std::string fatal_sentence(const std::exception& error) {
    if (exit_code_for(error) == exit_code::software)
        return std::string("internal error: ") + error.what();
    return error.what();
}

// Under systemd the sentence carries its priority, like every other log line; under inetd,
// where stderr is the client, it goes to syslog instead. Once the settings ask for json, it is a
// json line: a log pipeline must never meet a line it cannot parse.
void report(LogLevel level, const std::string& sentence) {
    // The sentence that ends the process is always said; the others as the log level says.
    if (level != LogLevel::error && !log::enabled(level)) return;
    // What was logged before comes before it, if stderr takes it soon.
    (void)log::flush(std::chrono::milliseconds(500));
    if (log::destination() == log::Destination::syslog) {
        log::write(level, sentence);
        return;
    }
    const auto destination = log::detect_destination();
    if (log::format() == LogFormat::json) {
        std::cerr << log::render(level, sentence, destination) + '\n';
        return;
    }
    std::string line;
    if (destination == log::Destination::journal)
        line = "<" + std::to_string(log::syslog_priority(level)) + ">";
    line += "hellod: ";
    if (level != LogLevel::error) line += std::string(to_string(level)) + ": ";
    append_one_line(line, sentence);
    std::cerr << line + '\n';
}

void report_fatal(const std::string& sentence) {
    report(LogLevel::error, sentence);
}

}  // namespace hellod
