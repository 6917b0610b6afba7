#pragma once

// Descriptor 2 pointed at a temporary file while a test looks at what is logged.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "log/log.hpp"
#include "temp_file.hpp"

namespace hellod::testing {

// Points descriptor 2 at a temporary file while it lives; lines() restores it and reads.
class CapturedStderr {
  public:
    CapturedStderr() : file_("") {
        // Lines logged before belong to the old stderr, and the log writes from a thread of
        // its own: let it catch up before descriptor 2 changes under it, here and in restore().
        (void)log::flush(std::chrono::seconds(5));
        std::clog.flush();
        std::fflush(stderr);
        saved_ = ::dup(STDERR_FILENO);
        const int fd = ::open(file_.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (saved_ < 0 || fd < 0 || ::dup2(fd, STDERR_FILENO) < 0) {
            ADD_FAILURE() << "cannot redirect stderr";
        }
        if (fd >= 0) ::close(fd);
    }
    CapturedStderr(const CapturedStderr&) = delete;
    CapturedStderr& operator=(const CapturedStderr&) = delete;
    ~CapturedStderr() { restore(); }

    // Every line written, without its newline; a last line without one is a failure.
    std::vector<std::string> lines() {
        restore();
        std::ifstream in(file_.path(), std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(in)), {});
        EXPECT_TRUE(text.empty() || text.back() == '\n') << "unterminated last line: " << text;
        std::vector<std::string> result;
        std::istringstream stream(text);
        for (std::string line; std::getline(stream, line);)
            result.push_back(line);
        return result;
    }

  private:
    void restore() {
        if (saved_ < 0) return;
        (void)log::flush(std::chrono::seconds(5));
        std::clog.flush();
        ::dup2(saved_, STDERR_FILENO);
        ::close(saved_);
        saved_ = -1;
    }

    TempFile file_;
    int saved_ = -1;
};

}  // namespace hellod::testing
