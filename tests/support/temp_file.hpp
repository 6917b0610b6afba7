#pragma once

#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hellod::testing {

// A config file that exists for one test; unique name so parallel test runs cannot collide.
class TempFile {
  public:
    explicit TempFile(std::string_view contents) {
        std::string name = "/tmp/hellod_test_XXXXXX";
        const int fd = ::mkstemp(name.data());
        if (fd < 0) throw std::runtime_error("mkstemp failed");
        ::close(fd);
        path_ = name;
        rewrite(contents);
    }

    // Replaces the contents (as an operator editing the file before a reload would).
    void rewrite(std::string_view contents) const {
        std::FILE* file = std::fopen(path_.c_str(), "wb");
        if (file == nullptr) throw std::runtime_error("cannot write " + path_);
        const bool written =
            std::fwrite(contents.data(), 1, contents.size(), file) == contents.size();
        if (std::fclose(file) != 0 || !written) throw std::runtime_error("cannot write " + path_);
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() { std::remove(path_.c_str()); }

    const std::string& path() const { return path_; }
    const char* c_str() const { return path_.c_str(); }

  private:
    std::string path_;
};

}  // namespace hellod::testing
