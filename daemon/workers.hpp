#pragma once

#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace hellod {

// Owns every worker thread and joins each one: a finished worker hands its own std::thread to
// the finished list, and the next spawn() (or join_all()) joins it, so threads never pile up
// and none is detached.
class Workers {
  public:
    Workers() = default;
    Workers(const Workers&) = delete;
    Workers& operator=(const Workers&) = delete;
    ~Workers() { join_all(); }

    // Runs fn(std::move(item)) on a new thread. When the system cannot start a thread, returns
    // false and leaves `item` with the caller (who turns the client away); nothing is lost.
    template <typename T, typename Fn>
    bool spawn(std::unique_ptr<T>& item, Fn fn) {
        reap();
        T* const raw = item.get();
        std::lock_guard lock(mutex_);
        const auto self = running_.emplace(running_.end());
        try {
            // Constructed under the lock: the thread's last step takes the same lock, so it
            // cannot move *self before *self holds it.
            *self = std::thread([this, self, raw, fn = std::move(fn)]() mutable {
                fn(std::unique_ptr<T>(raw));
                finish(self);
            });
        } catch (const std::system_error&) {
            running_.erase(self);
            return false;
        }
        (void)item.release();  // the thread owns it now
        return true;
    }

    // Waits for every running worker to finish and joins all of them.
    void join_all();

    std::size_t running() const;

  private:
    void reap();
    void finish(std::list<std::thread>::iterator self);

    mutable std::mutex mutex_;
    std::condition_variable finished_one_;
    std::list<std::thread> running_;
    std::vector<std::thread> finished_;
};

}  // namespace hellod
