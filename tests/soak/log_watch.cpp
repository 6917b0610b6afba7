#include "log_watch.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>

namespace hellod_soak {

namespace {

constexpr std::size_t kLastLines = 30;
constexpr std::size_t kNotable = 10;

// The number right after `key` in `text`, if there is one.
std::optional<std::uint64_t> number_after(std::string_view text, std::string_view key) {
    const auto at = text.find(key);
    if (at == std::string_view::npos) return std::nullopt;
    std::uint64_t value = 0;
    std::size_t i = at + key.size();
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
        value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
    return value;
}

}  // namespace

LogWatch::LogWatch(hellod::net::UniqueFd pipe, std::string path)
    : pipe_(std::move(pipe)), path_(std::move(path)), thread_([this] { run(); }) {}

LogWatch::~LogWatch() {
    if (thread_.joinable()) thread_.join();
}

void LogWatch::run() {
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path_.c_str(), "wb"),
                                                               std::fclose);
    std::array<char, 65536> buffer;
    std::string pending;
    for (;;) {
        const ssize_t n = ::read(pipe_.get(), buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        const std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
        if (file) std::fwrite(chunk.data(), 1, chunk.size(), file.get());
        pending += chunk;
        std::size_t start = 0;
        for (std::size_t nl = pending.find('\n'); nl != std::string::npos;
             nl = pending.find('\n', start)) {
            line(std::string_view(pending).substr(start, nl - start));
            start = nl + 1;
        }
        pending.erase(0, start);
    }
    if (!pending.empty()) line(pending);
    if (file) std::fflush(file.get());
    std::lock_guard lock(mutex_);
    counts_.closed = true;
    changed_.notify_all();
}

void LogWatch::line(std::string_view text) {
    // Text format: "<time> <level>  <message>".
    const auto first_space = text.find(' ');
    std::string_view level;
    std::string_view message;
    if (first_space != std::string_view::npos) {
        const auto rest = text.substr(first_space + 1);
        const auto level_end = rest.find(' ');
        level = rest.substr(0, level_end);
        message = level_end == std::string_view::npos ? std::string_view() : rest.substr(level_end);
        message.remove_prefix(std::min(message.find_first_not_of(' '), message.size()));
    }
    std::lock_guard lock(mutex_);
    auto& c = counts_;
    ++c.lines;
    last_.emplace_back(text);
    if (last_.size() > kLastLines) last_.pop_front();
    if (!c.port) {
        if (const auto port = number_after(message, "listening on 127.0.0.1:"))
            c.port = static_cast<unsigned>(*port);
    } else if (level == "warning" || level == "error") {
        ++(level == "warning" ? c.warnings : c.errors);
        if (c.notable.size() < kNotable) c.notable.emplace_back(text);
    }
    // A sanitizer's report ("WARNING: ThreadSanitizer: data race", "ERROR: AddressSanitizer:")
    // shares the daemon's stderr.
    if (text.find("Sanitizer:") != std::string_view::npos) {
        ++c.errors;
        if (c.notable.size() < kNotable) c.notable.emplace_back(text);
    }
    if (message.starts_with("access ")) {
        ++c.access;
        const auto at = message.find(" end=");
        if (at != std::string_view::npos) {
            auto end = message.substr(at + 5);
            end = end.substr(0, end.find(' '));
            ++c.ends[std::string(end)];
        }
    } else if (message.starts_with("reloaded ")) {
        ++c.reloads;
    } else if (message.starts_with("reload failed")) {
        ++c.reload_failures;
    } else if (message.starts_with("shutting down: ")) {
        c.open_at_shutdown = number_after(message, "shutting down: ");
    } else if (message.starts_with("shutdown-timeout reached")) {
        c.cut_at_shutdown = number_after(message, "cutting ");
    } else if (message == "stopped") {
        c.stopped = true;
    }
    changed_.notify_all();
}

LogCounts LogWatch::counts() const {
    std::lock_guard lock(mutex_);
    return counts_;
}

bool LogWatch::wait_for(const std::function<bool(const LogCounts&)>& ready,
                        std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return ready(counts_); });
}

std::vector<std::string> LogWatch::last_lines() const {
    std::lock_guard lock(mutex_);
    return {last_.begin(), last_.end()};
}

}  // namespace hellod_soak
