#include "config/file_settings.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "config/command_line.hpp"
#include "config/config_error.hpp"
#include "config/config_file.hpp"
#include "config/setting_table.hpp"
#include "text/escape.hpp"

namespace hellod {
namespace {

// A config file is a few hundred bytes; anything this big is the wrong file (or /dev/zero).
constexpr std::size_t kMaxConfigBytes = 1 << 20;

// File names in messages are shown escaped: they come from the command line or the environment
// as any bytes, and a newline or escape sequence in one must not reach the terminal raw.
std::string read_file(const std::string& path) {
    const auto fail = [&](int error) {
        return ConfigError(
            ConfigError::Kind::unreadable,
            "cannot read config file " + escaped(path) + ": " + std::strerror(error));
    };
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                               &std::fclose);
    if (!file) throw fail(errno);
    std::string text;
    char buf[8192];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, file.get())) > 0) {
        text.append(buf, n);
        if (text.size() > kMaxConfigBytes) {
            throw ConfigError(
                ConfigError::Kind::invalid,
                "config file " + escaped(path) + " is larger than 1 MiB; is it the right file?");
        }
    }
    // A directory opens fine and fails here, with EISDIR.
    if (std::ferror(file.get())) throw fail(errno);
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
