#include "server/workers.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "os/sanitizers.hpp"

namespace hellod {
namespace {

// A gate the tasks wait at, so the test knows they are all running at once.
struct Gate {
    std::mutex mutex;
    std::condition_variable changed;
    int arrived = 0;
    bool open = false;
};

TEST(Workers, EachTaskGetsItsOwnThreadAndItsOwnItemAndAllAreJoined) {
    Workers workers;
    Gate gate;
    constexpr int tasks = 50;
    std::atomic<int> sum{0};
    for (int i = 0; i < tasks; ++i) {
        auto item = std::make_unique<int>(i);
        ASSERT_TRUE(workers.spawn(item, [&](std::unique_ptr<int> mine) {
            std::unique_lock lock(gate.mutex);
            ++gate.arrived;
            gate.changed.notify_all();
            gate.changed.wait(lock, [&] { return gate.open; });
            sum += *mine;
        }));
        EXPECT_EQ(item, nullptr) << "the thread owns the item once it started";
    }
    bool all_arrived = false;
    std::size_t running_at_once = 0;
    {
        std::unique_lock lock(gate.mutex);
        all_arrived = gate.changed.wait_for(lock, std::chrono::seconds(10),
                                            [&] { return gate.arrived == tasks; });
        running_at_once = workers.running();
        // Opened whatever happened, so that a failure below fails rather than hangs the join.
        gate.open = true;
        gate.changed.notify_all();
    }
    EXPECT_TRUE(all_arrived);
    EXPECT_EQ(running_at_once, static_cast<std::size_t>(tasks));
    workers.join_all();
    EXPECT_EQ(sum.load(), tasks * (tasks - 1) / 2) << "each task saw exactly its own item";
    EXPECT_EQ(workers.running(), 0u);
}

TEST(Workers, TheDestructorJoinsEveryThread) {
    std::atomic<int> ran{0};
    {
        Workers workers;
        for (int i = 0; i < 200; ++i) {
            auto item = std::make_unique<int>(i);
            ASSERT_TRUE(workers.spawn(item, [&](std::unique_ptr<int>) { ++ran; }));
        }
    }
    EXPECT_EQ(ran.load(), 200);
}

// Runs one task and waits until it has finished and its thread is parked again.
template <typename Fn>
bool run_one(Workers& workers, Fn fn) {
    auto item = std::make_unique<int>(0);
    if (!workers.spawn(item, [fn](std::unique_ptr<int>) mutable { fn(); })) return false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (workers.running() != 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
    return workers.running() == 0;
}

TEST(Workers, ANewTaskReusesAParkedThread) {
    Workers workers;
    std::thread::id first;
    std::thread::id second;
    ASSERT_TRUE(run_one(workers, [&] { first = std::this_thread::get_id(); }));
    // The thread parks after running_ falls; wait for it to be on the list.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (workers.parked() != 1 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
    ASSERT_EQ(workers.parked(), 1u);
    ASSERT_TRUE(run_one(workers, [&] { second = std::this_thread::get_id(); }));
    EXPECT_EQ(first, second);
    EXPECT_EQ(workers.threads(), 1u);
    EXPECT_EQ(workers.started(), 1u);  // what hellod_worker_threads_started_total shows
}

// Counts the threads a pool reports as ended.
struct EndCounter {
    std::mutex mutex;
    std::condition_variable ended;
    int ends = 0;
    std::function<void()> callback() {
        return [this] {
            std::lock_guard lock(mutex);
            ++ends;
            ended.notify_all();
        };
    }
    bool wait_for(int n) {
        std::unique_lock lock(mutex);
        return ended.wait_for(lock, std::chrono::seconds(10), [&] { return ends >= n; });
    }
    int count() {
        std::lock_guard lock(mutex);
        return ends;
    }
};

TEST(Workers, AtMostMaxParkedThreadsStayParked) {
    EndCounter counter;
    Workers::Options options;
    options.max_parked = 3;
    options.park_time = std::chrono::hours(1);  // only the bound can end a thread here
    options.on_thread_end = counter.callback();
    Workers workers(options);
    Gate gate;
    constexpr int tasks = 10;
    for (int i = 0; i < tasks; ++i) {
        auto item = std::make_unique<int>(i);
        ASSERT_TRUE(workers.spawn(item, [&](std::unique_ptr<int>) {
            std::unique_lock lock(gate.mutex);
            ++gate.arrived;
            gate.changed.notify_all();
            gate.changed.wait(lock, [&] { return gate.open; });
        }));
    }
    {
        std::unique_lock lock(gate.mutex);
        ASSERT_TRUE(gate.changed.wait_for(lock, std::chrono::seconds(10),
                                          [&] { return gate.arrived == tasks; }));
        gate.open = true;
        gate.changed.notify_all();
    }
    ASSERT_TRUE(counter.wait_for(tasks - 3));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (workers.running() != 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
    EXPECT_EQ(counter.count(), tasks - 3) << "three found room to park";
    workers.reap();
    EXPECT_EQ(workers.parked(), 3u);
    EXPECT_EQ(workers.threads(), 3u);
}

TEST(Workers, AParkedThreadEndsAfterItsParkTime) {
    EndCounter counter;
    Workers::Options options;
    options.park_time = std::chrono::milliseconds(100);
    options.on_thread_end = counter.callback();
    Workers workers(options);
    ASSERT_TRUE(run_one(workers, [] {}));
    EXPECT_TRUE(counter.wait_for(1)) << "the parked thread was still there after 10 s";
    workers.reap();
    EXPECT_EQ(workers.threads(), 0u);
    EXPECT_EQ(workers.parked(), 0u);
}

TEST(Workers, JoinAllEndsParkedThreads) {
    Workers::Options options;
    options.park_time = std::chrono::hours(1);
    Workers workers(options);
    ASSERT_TRUE(run_one(workers, [] {}));
    workers.join_all();  // would wait an hour if the parked thread were not told
    EXPECT_EQ(workers.threads(), 0u);
    // And the pool still works afterwards.
    std::atomic<bool> ran{false};
    ASSERT_TRUE(run_one(workers, [&] { ran = true; }));
    EXPECT_TRUE(ran.load());
}

TEST(Workers, ThreadsGetTheStackSizeAskedFor) {
    constexpr std::size_t asked = 256 * 1024;
    Workers::Options options;
    options.stack_size = asked;
    Workers workers(options);
    std::size_t got = 0;
    ASSERT_TRUE(run_one(workers, [&] {
        pthread_attr_t attr;
        ASSERT_EQ(pthread_getattr_np(pthread_self(), &attr), 0);
        ASSERT_EQ(pthread_attr_getstacksize(&attr, &got), 0);
        pthread_attr_destroy(&attr);
    }));
    EXPECT_GE(got, asked);
#ifndef HELLOD_TSAN  // TSan's pthread_create adds room of its own to every stack
    EXPECT_LT(got, asked + 64 * 1024);
#endif
}

}  // namespace
}  // namespace hellod
