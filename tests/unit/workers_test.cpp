#include "workers.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace hellod {
namespace {

// A gate the tasks wait at, so the test knows they are all running at once.
struct Gate {
    std::mutex mutex;
    std::condition_variable changed;
    int arrived = 0;
    bool open = false;
};

TEST(Workers, EachTaskGetsItsOwnThreadAndAllAreJoined) {
    Workers workers;
    Gate gate;
    constexpr int tasks = 50;
    std::atomic<int> done{0};
    for (int i = 0; i < tasks; ++i) {
        auto item = std::make_unique<int>(i);
        ASSERT_TRUE(workers.spawn(item, [&](std::unique_ptr<int> mine) {
            std::unique_lock lock(gate.mutex);
            ++gate.arrived;
            gate.changed.notify_all();
            gate.changed.wait(lock, [&] { return gate.open; });
            done += *mine >= 0 ? 1 : 0;
        }));
        EXPECT_EQ(item, nullptr) << "the thread owns the item once it started";
    }
    {
        std::unique_lock lock(gate.mutex);
        ASSERT_TRUE(gate.changed.wait_for(lock, std::chrono::seconds(10),
                                          [&] { return gate.arrived == tasks; }));
        EXPECT_EQ(workers.running(), static_cast<std::size_t>(tasks));  // all at once
        gate.open = true;
        gate.changed.notify_all();
    }
    workers.join_all();
    EXPECT_EQ(done.load(), tasks);
    EXPECT_EQ(workers.running(), 0u);
}

TEST(Workers, FinishedThreadsAreReapedBySpawnAndTheDestructorJoinsTheRest) {
    std::atomic<int> ran{0};
    {
        Workers workers;
        for (int i = 0; i < 200; ++i) {
            auto item = std::make_unique<int>(i);
            ASSERT_TRUE(workers.spawn(item, [&](std::unique_ptr<int>) { ++ran; }));
        }
    }  // ~Workers joins whatever is still running
    EXPECT_EQ(ran.load(), 200);
}

}  // namespace
}  // namespace hellod
