#pragma once

#include <pthread.h>

#include <cstddef>
#include <functional>

#include "os/sanitizers.hpp"

namespace hellod {

// A joinable thread with a stack of a chosen size, which std::thread cannot set. The default
// 8 MiB stack costs nothing while untouched, but a worker needs a few KiB, and a small stack
// keeps thousands of them cheap to map and to unmap, and glibc's cache of freed stacks (40 MiB)
// then holds hundreds of stacks instead of five.
class WorkerThread {
  public:
#if defined(HELLOD_ASAN) || defined(HELLOD_TSAN)
    // Sanitizers put redzones and shadow frames on the stack: give them the usual size.
    static constexpr std::size_t default_stack_size = 8 * 1024 * 1024;
#else
    // A worker's deepest path (a log line through Boost.Log, with strftime) needs under 32 KiB
    // (the tests pass with 32 KiB stacks); four times that leaves room for what libraries do.
    static constexpr std::size_t default_stack_size = 128 * 1024;
#endif

    WorkerThread() = default;
    WorkerThread(const WorkerThread&) = delete;
    WorkerThread& operator=(const WorkerThread&) = delete;
    ~WorkerThread() {
        join();
    }

    // Starts body() on a new thread with the given stack size (rounded up to what the system
    // allows). Returns false when the system cannot start a thread now.
    bool start(std::size_t stack_size, std::function<void()> body);
    void join() noexcept;
    bool joinable() const noexcept {
        return started_;
    }

  private:
    static void* trampoline(void* self) noexcept;

    pthread_t id_{};
    bool started_ = false;
    std::function<void()> body_;
};

}  // namespace hellod
