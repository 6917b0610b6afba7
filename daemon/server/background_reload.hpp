#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "config/settings.hpp"

namespace hellod {

// Runs a reload (reading the config file, checking it) on a thread of its own, so that nothing
// it waits for (a config file on a hung network mount) stops the accept loop or its signals.
// The loop starts one, goes on accepting, and takes the result once `done` has told it so.
// At most one runs at a time.
//
// The thread is detached: if the process ends while it is stuck in open(2) or read(2), nothing
// can end that call, and joining it would hang the exit. It holds only what is in State (shared
// with this object) and the reload function's own captures, never the owner itself.
class BackgroundReload {
  public:
    using Result = std::shared_ptr<const Settings>;

    BackgroundReload() : state_(std::make_shared<State>()) {}
    BackgroundReload(const BackgroundReload&) = delete;
    BackgroundReload& operator=(const BackgroundReload&) = delete;
    // After this, a reload still running calls no `done` and its result is dropped.
    ~BackgroundReload();

    // Starts `reload` on a new thread, which calls `done` (from that thread) when it has a
    // result. Returns false, and starts nothing, if a reload is running already or no thread
    // could be started (errno says why then; 0 when one was running).
    bool start(std::function<Result()> reload, std::function<void()> done);
    bool running() const;
    // The result of the reload that finished, once; nullopt while it runs or when none did.
    std::optional<Result> take();

  private:
    struct State {
        mutable std::mutex mutex;
        bool running = false;
        bool owner_gone = false;
        std::optional<Result> result;
        std::function<void()> done;
    };
    std::shared_ptr<State> state_;
};

}  // namespace hellod
