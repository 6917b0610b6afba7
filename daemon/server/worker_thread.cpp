#include "server/worker_thread.hpp"

#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace hellod {
namespace {

std::size_t usable_stack_size(std::size_t wanted) {
    const long minimum = ::sysconf(_SC_THREAD_STACK_MIN);
    const long page = ::sysconf(_SC_PAGESIZE);
    std::size_t size = std::max<std::size_t>(wanted, minimum > 0 ? minimum : PTHREAD_STACK_MIN);
    if (page > 0) {
        const auto p = static_cast<std::size_t>(page);
        size = (size + p - 1) / p * p;
    }
    return size;
}

// Owns a pthread_attr_t for the duration of one pthread_create.
class Attributes {
  public:
    Attributes() : ok_(::pthread_attr_init(&attr_) == 0) {}
    Attributes(const Attributes&) = delete;
    Attributes& operator=(const Attributes&) = delete;
    ~Attributes() {
        if (ok_) ::pthread_attr_destroy(&attr_);
    }
    bool ok() const noexcept { return ok_; }
    pthread_attr_t* get() noexcept { return &attr_; }

  private:
    pthread_attr_t attr_{};
    bool ok_;
};

}  // namespace

bool WorkerThread::start(std::size_t stack_size, std::function<void()> body) {
    if (started_) return false;
    Attributes attributes;
    if (!attributes.ok()) return false;
    // Without the size, the thread gets the default stack, which still works.
    (void)::pthread_attr_setstacksize(attributes.get(), usable_stack_size(stack_size));
    body_ = std::move(body);
    if (::pthread_create(&id_, attributes.get(), &WorkerThread::trampoline, this) != 0) {
        body_ = nullptr;
        return false;
    }
    started_ = true;
    return true;
}

void WorkerThread::join() noexcept {
    if (!started_) return;
    (void)::pthread_join(id_, nullptr);
    started_ = false;
}

void* WorkerThread::trampoline(void* self) noexcept {
    // noexcept: an exception escaping a worker ends the process, as it would from std::thread.
    static_cast<WorkerThread*>(self)->body_();
    return nullptr;
}

}  // namespace hellod
