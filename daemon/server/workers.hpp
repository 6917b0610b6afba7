#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <vector>

#include "server/worker_thread.hpp"

namespace hellod {

// Runs each task on a thread of its own, and keeps threads that finished a task parked for a
// while so that the next task reuses one instead of paying for a new thread (clone, a fresh
// stack, the kernel's task set-up, and unmapping it all again): still one thread per live
// task, as many as there are tasks. A parked thread that is not needed within park_time, or
// that finds max_parked threads parked already, ends, and is joined by reap(): no thread is
// ever detached, and join_all() (or the destructor) joins every one.
class Workers {
  public:
    struct Options {
        std::size_t stack_size = WorkerThread::default_stack_size;
        // Enough for the bursts of short sessions a busy daemon sees; a parked thread holds
        // only its stack's touched pages (a few KiB).
        std::size_t max_parked = 64;
        std::chrono::milliseconds park_time{10'000};
        // Called on the ending thread, after no lock is held, when a thread has ended and
        // reap() would join it: the owner's cue to call reap() soon.
        std::function<void()> on_thread_end;
    };

    Workers() : Workers(Options{}) {}
    explicit Workers(Options options);
    Workers(const Workers&) = delete;
    Workers& operator=(const Workers&) = delete;
    ~Workers() { join_all(); }

    // Runs fn(std::move(item)) on a parked thread, or on a new one. When the system cannot
    // start a thread, returns false and leaves `item` with the caller (who turns the client
    // away); nothing is lost.
    template <typename T, typename Fn>
    bool spawn(std::unique_ptr<T>& item, Fn fn) {
        std::unique_ptr<Task> task = std::make_unique<ItemTask<T, Fn>>(item, std::move(fn));
        if (dispatch(task)) return true;
        static_cast<ItemTask<T, Fn>&>(*task).give_back(item);
        return false;
    }

    // Joins the threads that have ended and returns how many. Cheap when there are none.
    std::size_t reap();

    // Waits for every task to finish, ends the parked threads and joins every thread.
    void join_all();

    std::size_t running() const;    // tasks being run
    std::size_t parked() const;     // threads waiting for a task
    std::size_t threads() const;    // threads started and not yet joined
    std::uint64_t started() const;  // threads started since the pool was made

  private:
    class Task {
      public:
        virtual ~Task() = default;
        virtual void run() = 0;
    };

    template <typename T, typename Fn>
    class ItemTask final : public Task {
      public:
        ItemTask(std::unique_ptr<T>& item, Fn fn) : item_(std::move(item)), fn_(std::move(fn)) {}
        void run() override { fn_(std::move(item_)); }
        void give_back(std::unique_ptr<T>& item) { item = std::move(item_); }

      private:
        std::unique_ptr<T> item_;
        Fn fn_;
    };

    struct Worker {
        std::condition_variable wake;  // a task was handed over, or the pool is ending
        std::unique_ptr<Task> task;    // handed over under the mutex
        std::list<Worker>::iterator self;
        WorkerThread thread;
    };

    bool dispatch(std::unique_ptr<Task>& task);
    void work(Worker& me);
    static std::size_t join(std::list<Worker>& ended);

    const Options options_;
    mutable std::mutex mutex_;
    std::condition_variable all_idle_;  // running_ fell to 0
    std::condition_variable one_ended_;
    std::list<Worker> live_;       // threads running a task or parked
    std::list<Worker> ended_;      // threads that returned, to be joined
    std::vector<Worker*> parked_;  // most recently parked last: its stack is warm
    std::size_t running_ = 0;
    std::uint64_t started_ = 0;
    bool ending_ = false;  // join_all(): parked threads end instead of waiting
};

}  // namespace hellod
