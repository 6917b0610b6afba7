#include "config/file_settings.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

#include "config/command_line.hpp"
#include "config/config_error.hpp"
#include "config/config_file.hpp"
#include "config/setting_table.hpp"
#include "net/fd.hpp"
#include "text/escape.hpp"

namespace hellod {
namespace {

// A config file is a few hundred bytes; anything this big is the wrong file (or /dev/zero).
constexpr std::size_t kMaxConfigBytes = 1 << 20;

const char* kind_of_file(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISBLK(mode)) return "a block device";
    return "not a regular file";
}

// File names in messages are shown escaped: they come from the command line or the environment
// as any bytes, and a newline or escape sequence in one must not reach the terminal raw.
//
// Nothing here may wait for another process: a reload reads the file while the daemon serves,
// and a FIFO put in the file's place would wait for a writer for ever. So the file is opened
// without blocking (a FIFO's open would block until a writer came) and refused unless it is a
// regular file or a character device (/dev/null, for "no settings"), whose reads do not wait
// either under O_NONBLOCK.
std::string read_file(const std::string& path) {
    const auto fail = [&](int error) {
        return ConfigError(
            ConfigError::Kind::unreadable,
            "cannot read config file " + escaped(path) + ": " + std::strerror(error));
    };
    const net::UniqueFd file(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (!file) throw fail(errno);
    struct stat st {};
    if (::fstat(file.get(), &st) != 0) throw fail(errno);
    if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
        throw ConfigError(ConfigError::Kind::unreadable, "config file " + escaped(path) + " is " +
                                                             kind_of_file(st.st_mode) +
                                                             ", not a regular file");
    }
    std::string text;
    char buf[8192];
    for (;;) {
        const ssize_t n = ::read(file.get(), buf, sizeof buf);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            throw fail(errno);  // EAGAIN from a terminal, say
        }
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > kMaxConfigBytes) {
            throw ConfigError(
                ConfigError::Kind::invalid,
                "config file " + escaped(path) + " is larger than 1 MiB; is it the right file?");
        }
    }
    return text;
}

}  // namespace

std::vector<Assignment> read_config_file(const std::string& path) {
    const auto text = read_file(path);
    std::vector<ConfigEntry> entries;
    try {
        entries = parse_config_text(text);
    } catch (const ConfigSyntaxError& e) {
        throw ConfigError(
            ConfigError::Kind::invalid,
            escaped(path) + ":" + std::to_string(e.line()) + ": " + std::string(e.detail()));
    }

    std::vector<Assignment> out;
    std::map<std::string, int, std::less<>> first_line;
    for (auto& entry : entries) {
        const auto where = escaped(path) + ":" + std::to_string(entry.line) + ": ";
        if (!find_setting(entry.key)) {
            if (entry.key == "config") {
                throw ConfigError(ConfigError::Kind::invalid,
                                  where +
                                      "'config' cannot be set in a config file (use --config "
                                      "or HELLOD_CONFIG)");
            }
            if (is_command_line_option(entry.key)) {
                throw ConfigError(ConfigError::Kind::invalid,
                                  where + "'" + entry.key +
                                      "' is a command-line option, not a "
                                      "setting");
            }
            const auto guess = suggestion(entry.key);
            throw ConfigError(ConfigError::Kind::invalid,
                              where + "unknown setting " + quoted_excerpt(entry.key) +
                                  (guess ? " (did you mean '" + *guess + "'?)" : ""));
        }
        const auto [it, first] = first_line.emplace(entry.key, entry.line);
        if (!first && !find_setting(entry.key)->list) {
            throw ConfigError(ConfigError::Kind::invalid, where + entry.key +
                                                              " is set twice (first on line " +
                                                              std::to_string(it->second) + ")");
        }
        out.push_back({entry.key, std::move(entry.value), where + entry.key});
    }
    return out;
}

}  // namespace hellod
