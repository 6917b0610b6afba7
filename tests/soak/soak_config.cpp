#include "soak_config.hpp"

#include <cstdio>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace hellod_soak {

std::string config_text(const SoakConfig& c) {
    std::ostringstream out;
    out << "# written by hellod-soak; rewritten before each SIGHUP\n"
        << "welcome = \"" << c.welcome << "\"\n"
        << "log-level = " << c.log_level << "\n"
        << "idle-timeout = " << c.idle_timeout << "\n"
        << "write-timeout = " << c.write_timeout << "\n"
        << "shutdown-timeout = " << c.shutdown_timeout << "\n"
        << "max-line-bytes = " << c.max_line_bytes << "\n";
    return out.str();
}

void write_file_atomically(const std::string& path, std::string_view text) {
    const std::string temporary = path + ".new";
    {
        const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(
            std::fopen(temporary.c_str(), "wb"), std::fclose);
        if (!file || std::fwrite(text.data(), 1, text.size(), file.get()) != text.size() ||
            std::fflush(file.get()) != 0)
            throw std::runtime_error("cannot write " + temporary);
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0)
        throw std::runtime_error("cannot rename " + temporary + " to " + path);
}

}  // namespace hellod_soak
