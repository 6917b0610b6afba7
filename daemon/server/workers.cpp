#include "server/workers.hpp"

#include <algorithm>

namespace hellod {

Workers::Workers(Options options) : options_(std::move(options)) {}

bool Workers::dispatch(std::unique_ptr<Task>& task) {
    std::list<Worker> ended;
    std::unique_lock lock(mutex_);
    ended.splice(ended.end(), ended_);
    bool taken = false;
    if (!parked_.empty()) {
        Worker* const worker = parked_.back();
        parked_.pop_back();
        worker->task = std::move(task);
        ++running_;
        // It cannot end before it has run the task, so it is still there after the unlock.
        lock.unlock();
        worker->wake.notify_one();
        taken = true;
    } else {
        Worker& worker = live_.emplace_back();
        worker.self = std::prev(live_.end());
        worker.task = std::move(task);
        // Started under the lock, so the handle is complete before the thread (or reap()) can
        // look at it: the new thread's first step takes the same lock.
        if (worker.thread.start(options_.stack_size, [this, &worker] { work(worker); })) {
            ++running_;
            ++started_;
            taken = true;
        } else {
            task = std::move(worker.task);
            live_.erase(worker.self);
        }
        lock.unlock();
    }
    join(ended);
    return taken;
}

void Workers::work(Worker& me) {
    std::unique_lock lock(mutex_);
    for (;;) {
        std::unique_ptr<Task> task = std::move(me.task);
        lock.unlock();
        task->run();
        task.reset();  // the item goes with the task, before this thread is offered again
        lock.lock();
        if (--running_ == 0) all_idle_.notify_all();
        if (ending_ || parked_.size() >= options_.max_parked) break;
        parked_.push_back(&me);
        me.wake.wait_for(lock, options_.park_time, [&] { return me.task != nullptr || ending_; });
        if (me.task != nullptr) continue;  // dispatch() took it off the parked list
        parked_.erase(std::find(parked_.begin(), parked_.end(), &me));
        break;
    }
    ended_.splice(ended_.end(), live_, me.self);
    one_ended_.notify_all();
    lock.unlock();
    if (options_.on_thread_end) options_.on_thread_end();
}

std::size_t Workers::join(std::list<Worker>& ended) {
    for (auto& worker : ended)
        worker.thread.join();
    return ended.size();
}

std::size_t Workers::reap() {
    std::list<Worker> ended;
    {
        std::lock_guard lock(mutex_);
        ended.splice(ended.end(), ended_);
    }
    return join(ended);
}

void Workers::join_all() {
    {
        std::unique_lock lock(mutex_);
        all_idle_.wait(lock, [this] { return running_ == 0; });
        ending_ = true;
        for (Worker* worker : parked_)
            worker->wake.notify_one();
        one_ended_.wait(lock, [this] { return live_.empty(); });
        ending_ = false;
    }
    reap();
}

std::size_t Workers::running() const {
    std::lock_guard lock(mutex_);
    return running_;
}

std::size_t Workers::parked() const {
    std::lock_guard lock(mutex_);
    return parked_.size();
}

std::uint64_t Workers::started() const {
    std::lock_guard lock(mutex_);
    return started_;
}

std::size_t Workers::threads() const {
    std::lock_guard lock(mutex_);
    return live_.size() + ended_.size();
}

}  // namespace hellod
