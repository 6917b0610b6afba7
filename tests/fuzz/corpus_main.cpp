// The corpus as regression tests, without libFuzzer: a main() that runs the target's
// LLVMFuzzerTestOneInput over every file under the paths it is given (files or directories), in
// name order. Built with every compiler and sanitizer, so GCC, ASan+UBSan and TSan builds run
// the committed corpus too. A broken invariant aborts; the input that did it is named first.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#include <sanitizer/common_interface_defs.h>
#define HELLOD_SANITIZED 1
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

// The input being run, for the crash message (written from a signal handler, so kept as a plain
// buffer).
char g_current[4096];

void name_current_input() {
    constexpr char kPrefix[] = "corpus input that failed: ";
    (void)!::write(STDERR_FILENO, kPrefix, sizeof kPrefix - 1);
    (void)!::write(STDERR_FILENO, g_current, std::strlen(g_current));
    (void)!::write(STDERR_FILENO, "\n", 1);
}

void on_fatal_signal(int signal) {
    name_current_input();
    std::signal(signal, SIG_DFL);
    std::raise(signal);
}

std::vector<fs::path> inputs_under(const fs::path& root) {
    std::vector<fs::path> files;
    if (fs::is_directory(root)) {
        for (const auto& entry : fs::recursive_directory_iterator(root)) {
            if (entry.is_regular_file()) files.push_back(entry.path());
        }
    } else if (fs::is_regular_file(root)) {
        files.push_back(root);
    }
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
        return 64;
    }
    // abort() is how a target reports a broken invariant (and how an uncaught exception ends).
    for (const int signal : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL})
        std::signal(signal, on_fatal_signal);
#ifdef HELLOD_SANITIZED
    // A sanitizer's report ends the process by _exit, past the signal handlers.
    __sanitizer_set_death_callback(name_current_input);
#endif

    std::size_t runs = 0;
    for (int i = 1; i < argc; ++i) {
        const auto files = inputs_under(argv[i]);
        if (files.empty()) {
            std::fprintf(stderr, "no inputs under %s\n", argv[i]);
            return 1;
        }
        for (const fs::path& file : files) {
            std::snprintf(g_current, sizeof g_current, "%s", file.c_str());
            std::ifstream in(file, std::ios::binary);
            const std::string bytes{std::istreambuf_iterator<char>(in),
                                    std::istreambuf_iterator<char>()};
            if (!in.good() && !in.eof()) {
                std::fprintf(stderr, "cannot read %s\n", file.c_str());
                return 1;
            }
            LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                   bytes.size());
            ++runs;
        }
    }
    std::printf("%zu inputs passed\n", runs);
    return 0;
}
