// Fuzz target: the settings parser (settings.hpp, config_file.hpp): the command line, HELLOD_*
// environment variables and an INI config file, all from one input. A ConfigError with one of the
// documented exit codes is the expected way to refuse; any other exception, a crash, or settings
// that parse but break an invariant is a finding.
//
// Input: three sections separated by 0x1e (ASCII record separator):
//   argv tokens, separated by NUL (the program name is added);
//   environment entries NAME=VALUE, separated by NUL ("HELLOD_" is put in front of each NAME);
//   the config file's text (when the section is there; HELLOD_CONFIG then names it, unless the
//   environment section sets HELLOD_CONFIG itself).
// Inputs in which a token or value holds '/' are skipped: they could name a file the target does
// not own, and reading a FIFO or a terminal would block.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/fatal_error.hpp"
#include "config/config_error.hpp"
#include "config/invocation.hpp"
#include "config/setting_table.hpp"
#include "config/settings.hpp"
#include "config/to_ini.hpp"
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

namespace hellod::fuzz {
namespace {

// The config file: one memfd for the whole run, rewritten for each input, read through its
// /proc/self/fd path as any file would be.
class ConfigFile {
  public:
    ConfigFile() : fd_(::memfd_create("hellod-fuzz.conf", MFD_CLOEXEC)) {
        FUZZ_CHECK(fd_ >= 0, "memfd_create failed");
        path_ = "/proc/self/fd/" + std::to_string(fd_);
    }
    const std::string& write(std::string_view text) const {
        FUZZ_CHECK(::ftruncate(fd_, 0) == 0, "ftruncate failed");
        FUZZ_CHECK(::pwrite(fd_, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()),
                   "pwrite failed");
        return path_;
    }

  private:
    int fd_;  // lives as long as the process: the target's state is one static ConfigFile
    std::string path_;
};

// One clear sentence for a person: printable text, no line break, no terminal control bytes.
// (Bytes from 0x80 up may be UTF-8 in a file name or value and are left alone.)
bool one_printable_line(std::string_view message) {
    for (const char c : message) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) return false;
    }
    return !message.empty();
}

Invocation parse(const std::vector<std::string>& tokens, const Environment& env) {
    std::vector<const char*> args{"hellod"};
    for (const std::string& token : tokens)
        args.push_back(token.c_str());
    return parse_invocation(args, env);
}

// What holds for any settings parse_invocation accepts.
void check_valid(const Settings& s) {
    FUZZ_CHECK(s.backlog >= 1 && s.backlog <= 65535, std::to_string(s.backlog));
    FUZZ_CHECK(s.max_connections >= 1, "max-connections 0");
    FUZZ_CHECK(s.session.max_line_bytes >= 1 && s.session.max_line_bytes <= (1u << 20),
               std::to_string(s.session.max_line_bytes));
    FUZZ_CHECK(s.write_timeout.count() > 0, "write-timeout 0");
    FUZZ_CHECK(s.idle_timeout.count() >= 0 && s.shutdown_timeout.count() >= 0, "negative timeout");
    FUZZ_CHECK(!(s.session.protocol == Protocol::echo && s.session.framing == Framing::raw),
               "echo with raw");
    FUZZ_CHECK(s.session.protocol != Protocol::echo || s.session.welcome.empty(),
               "echo with a welcome");
    for (const std::string_view text :
         {std::string_view(s.session.welcome), std::string_view(s.session.farewell),
          std::string_view(s.session.exit_command), std::string_view(s.session.reply.source())}) {
        FUZZ_CHECK(text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos,
                   "a text that breaks lines: " + visible(text));
    }
    const std::string_view exit_command = s.session.exit_command;
    FUZZ_CHECK(
        exit_command.empty() || (exit_command.front() != ' ' && exit_command.front() != '\t' &&
                                 exit_command.back() != ' ' && exit_command.back() != '\t'),
        "an exit command that can never match: " + visible(exit_command));
    for (const std::string& address : s.listen)
        FUZZ_CHECK(!address.empty() && address.find_first_of(", \t\r\n") == std::string::npos,
                   "listen address " + visible(address));
}

// to_ini() must write settings that read back as the same settings, and with no warning they
// did not already have (--print-config's output is meant to be used as a config file).
void check_round_trip(const Invocation& first, const ConfigFile& file) {
    std::string ini;
    try {
        ini = to_ini(first.settings);
    } catch (const std::exception& e) {
        FUZZ_CHECK(false, std::string("to_ini threw: ") + e.what());
    }
    const std::string& path = file.write(ini);
    Invocation again;
    try {
        again = parse({"--config", path}, {});
    } catch (const std::exception& e) {
        FUZZ_CHECK(false, std::string("to_ini's output does not load: ") + e.what() + "\n" +
                              visible(ini, 4000));
    }
    Settings read = again.settings;
    read.config_file = first.settings.config_file;
    FUZZ_CHECK(read == first.settings, "round trip changed the settings:\n" + visible(ini, 4000) +
                                           "\nread back as\n" + visible(to_ini(read), 4000));
    for (const std::string& warning : again.warnings) {
        bool known = false;
        for (const std::string& before : first.warnings)
            known = known || before == warning;
        FUZZ_CHECK(known, "to_ini's output loads with a new warning: " + warning);
    }
}

}  // namespace
}  // namespace hellod::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace hellod;
    using namespace hellod::fuzz;
    static const ConfigFile config_file;

    // Sections: argv, then (after a separator) the environment, then (after another) the file.
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    const auto first = all.find('\x1e');
    const std::string_view argv_section = all.substr(0, first);
    std::string_view env_section;
    std::optional<std::string_view> file_section;
    if (first != std::string_view::npos) {
        const std::string_view rest = all.substr(first + 1);
        const auto second = rest.find('\x1e');
        env_section = rest.substr(0, second);
        if (second != std::string_view::npos) file_section = rest.substr(second + 1);
    }

    std::vector<std::string> tokens;
    if (!argv_section.empty()) {
        for (const std::string_view token : split(argv_section, '\0')) {
            if (token.find('/') != std::string_view::npos) return 0;
            tokens.emplace_back(token);
        }
    }
    Environment env;
    if (!env_section.empty()) {
        for (const std::string_view entry : split(env_section, '\0')) {
            const auto eq = entry.find('=');
            if (eq == std::string_view::npos) continue;  // environ never holds one
            const std::string_view value = entry.substr(eq + 1);
            if (value.find('/') != std::string_view::npos) return 0;
            // Like current_environment(): the first of two equal names counts.
            env.emplace("HELLOD_" + std::string(entry.substr(0, eq)), value);
        }
    }
    if (file_section) env.emplace("HELLOD_CONFIG", config_file.write(*file_section));

    Invocation invocation;
    try {
        invocation = parse(tokens, env);
    } catch (const ConfigError& e) {
        FUZZ_CHECK(exit_code_for(e) == exit_code::usage || exit_code_for(e) == exit_code::config ||
                       exit_code_for(e) == exit_code::no_input,
                   "exit code " + std::to_string(exit_code_for(e)) + ": " + e.what());
        FUZZ_CHECK(one_printable_line(e.what()), visible(e.what(), 1000));
        return 0;
    } catch (const std::exception& e) {
        FUZZ_CHECK(false, std::string("not a ConfigError: ") + e.what());
    }
    for (const std::string& warning : invocation.warnings)
        FUZZ_CHECK(one_printable_line(warning), visible(warning, 1000));

    switch (invocation.action) {
        case Action::help:
            FUZZ_CHECK(invocation.help_text.starts_with("Usage: hellod"), invocation.help_text);
            return 0;
        case Action::version:
            return 0;
        case Action::probe:
            FUZZ_CHECK(invocation.probe_timeout.count() > 0, "probe timeout 0");
            break;
        case Action::run:
        case Action::test_config:
        case Action::print_config:
            break;
    }
    check_valid(invocation.settings);
    check_round_trip(invocation, config_file);
    return 0;
}
