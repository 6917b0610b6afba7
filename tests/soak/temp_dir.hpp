#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace hellod_soak {

// A directory of our own under /tmp for the config file and the daemon's log; removed at the
// end unless kept (a failed run keeps it for a post-mortem).
class TempDir {
  public:
    TempDir() {
        std::string name = "/tmp/hellod-soak.XXXXXX";
        if (::mkdtemp(name.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        // Run as root, hellod drops to nobody, which must still read the config on reload.
        ::chmod(name.c_str(), 0755);
        path_ = name;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        if (!keep_) std::filesystem::remove_all(path_, ignored);
    }

    std::string file(const std::string& name) const { return path_ + "/" + name; }
    const std::string& path() const { return path_; }
    void keep() { keep_ = true; }

  private:
    std::string path_;
    bool keep_ = false;
};

}  // namespace hellod_soak
