#include "server/connection_table.hpp"

#include <utility>

#include "net/socket_ops.hpp"

namespace hellod {

ConnectionTable::Slot::Slot(Slot&& other) noexcept
    : table_(std::exchange(other.table_, nullptr)), id_(other.id_) {}

ConnectionTable::Slot& ConnectionTable::Slot::operator=(Slot&& other) noexcept {
    if (this != &other) {
        release();
        table_ = std::exchange(other.table_, nullptr);
        id_ = other.id_;
    }
    return *this;
}

void ConnectionTable::Slot::release() noexcept {
    if (table_ != nullptr) std::exchange(table_, nullptr)->release(id_);
}

bool ConnectionTable::Slot::move_to(const std::string& address_key, std::size_t max_per_ip) {
    return table_ != nullptr && table_->move(id_, address_key, max_per_ip);
}

ConnectionTable::Admission ConnectionTable::admit(int fd, const std::string& address_key,
                                                  std::size_t max_total, std::size_t max_per_ip,
                                                  Slot& slot) {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= max_total) return Admission::busy_total;
    auto& count = per_address_[address_key];
    if (max_per_ip != 0 && count >= max_per_ip) {
        if (count == 0) per_address_.erase(address_key);
        return Admission::busy_per_ip;
    }
    ++count;
    const std::uint64_t id = next_id_++;
    entries_.emplace(id, Entry{fd, address_key});
    slot = Slot(this, id);
    return Admission::admitted;
}

bool ConnectionTable::move(std::uint64_t id, const std::string& address_key,
                           std::size_t max_per_ip) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(id);
    if (it == entries_.end()) return false;
    if (it->second.address_key == address_key) return true;
    auto& count = per_address_[address_key];
    if (max_per_ip != 0 && count >= max_per_ip) {
        if (count == 0) per_address_.erase(address_key);
        return false;
    }
    ++count;
    const auto old = per_address_.find(it->second.address_key);
    if (old != per_address_.end() && --old->second == 0) per_address_.erase(old);
    it->second.address_key = address_key;
    return true;
}

void ConnectionTable::release(std::uint64_t id) noexcept {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(id);
    if (it == entries_.end()) return;
    const auto per = per_address_.find(it->second.address_key);
    if (per != per_address_.end() && --per->second == 0) per_address_.erase(per);
    entries_.erase(it);
    if (entries_.empty()) emptied_.notify_all();
}

void ConnectionTable::cancel_all() {
    cancelled_.store(true, std::memory_order_release);  // pairs with the stream's acquire
    std::lock_guard lock(mutex_);
    // SHUT_RD wakes a worker blocked in recv() (it returns 0 and the worker sees the flag);
    // the write side stays open for the "server shutting down" line.
    for (const auto& [id, entry] : entries_)
        net::shut_read(entry.fd);
}

void ConnectionTable::cut_all() {
    std::lock_guard lock(mutex_);
    for (const auto& [id, entry] : entries_)
        net::shut_both(entry.fd);
}

bool ConnectionTable::wait_until_empty(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return emptied_.wait_until(lock, deadline, [this] { return entries_.empty(); });
}

std::size_t ConnectionTable::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

std::size_t ConnectionTable::count_for(const std::string& address_key) const {
    std::lock_guard lock(mutex_);
    const auto it = per_address_.find(address_key);
    return it == per_address_.end() ? 0 : it->second;
}

}  // namespace hellod
