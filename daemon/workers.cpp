#include "workers.hpp"

namespace hellod {

void Workers::finish(std::list<std::thread>::iterator self) {
    std::lock_guard lock(mutex_);
    finished_.push_back(std::move(*self));
    running_.erase(self);
    finished_one_.notify_all();
}

void Workers::reap() {
    std::vector<std::thread> done;
    {
        std::lock_guard lock(mutex_);
        done.swap(finished_);
    }
    for (auto& thread : done)
        thread.join();
}

void Workers::join_all() {
    {
        std::unique_lock lock(mutex_);
        finished_one_.wait(lock, [this] { return running_.empty(); });
    }
    reap();
}

std::size_t Workers::running() const {
    std::lock_guard lock(mutex_);
    return running_.size();
}

}  // namespace hellod
