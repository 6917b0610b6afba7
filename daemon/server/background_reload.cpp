#include "server/background_reload.hpp"

#include <cerrno>
#include <exception>
#include <system_error>
#include <thread>
#include <utility>

#include "log/log.hpp"

namespace hellod {

BackgroundReload::~BackgroundReload() {
    const std::lock_guard lock(state_->mutex);
    state_->owner_gone = true;
    state_->done = nullptr;
}

bool BackgroundReload::start(std::function<Result()> reload, std::function<void()> done) {
    {
        const std::lock_guard lock(state_->mutex);
        if (state_->running) {
            errno = 0;
            return false;
        }
        state_->running = true;
        state_->result.reset();
        state_->done = std::move(done);
    }
    try {
        std::thread([state = state_, reload = std::move(reload)] {
            Result result;
            try {
                result = reload();
            } catch (const std::exception& e) {
                // The reload function reports its own failures; anything else is a bug, and
                // the running settings stay.
                HLOG(error) << "reload failed, still running the previous settings: " << e.what();
            }
            const std::lock_guard lock(state->mutex);
            state->running = false;
            if (state->owner_gone) return;
            state->result = std::move(result);
            if (state->done) state->done();
        }).detach();
    } catch (const std::system_error& e) {
        const std::lock_guard lock(state_->mutex);
        state_->running = false;
        state_->done = nullptr;
        errno = e.code().value();
        return false;
    }
    return true;
}

bool BackgroundReload::running() const {
    const std::lock_guard lock(state_->mutex);
    return state_->running;
}

std::optional<BackgroundReload::Result> BackgroundReload::take() {
    const std::lock_guard lock(state_->mutex);
    return std::exchange(state_->result, std::nullopt);
}

}  // namespace hellod
