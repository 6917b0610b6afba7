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

}  // namespace
}  // namespace hellod
