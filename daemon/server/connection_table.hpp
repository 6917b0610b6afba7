#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace hellod {

// The live connections: how many there are in all and per peer address (for the limits), and
// the descriptors shutdown must reach. A worker's slot is released before its descriptor is
// closed, so shutdown never touches a descriptor number that has been reused.
class ConnectionTable {
  public:
    enum class Admission { admitted, busy_total, busy_per_ip };

    // RAII slot: releases itself when destroyed. Default-constructed = no slot.
    class Slot {
      public:
        Slot() = default;
        Slot(Slot&& other) noexcept;
        Slot& operator=(Slot&& other) noexcept;
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        ~Slot() { release(); }
        explicit operator bool() const noexcept { return table_ != nullptr; }
        void release() noexcept;
        // Counts the connection against `address_key` instead, the client a PROXY header named
        // (the connection was counted against its balancer), unless that address already holds
        // `max_per_ip` connections (0 = no limit): then nothing changes and it returns false.
        // One step under the table's lock, so no other admission sees it counted twice or not
        // at all.
        bool move_to(const std::string& address_key, std::size_t max_per_ip);

      private:
        friend class ConnectionTable;
        Slot(ConnectionTable* table, std::uint64_t id) : table_(table), id_(id) {}
        ConnectionTable* table_ = nullptr;
        std::uint64_t id_ = 0;
    };

    // Registers `fd` from peer `address_key` unless a limit is reached (per_ip 0 = unlimited).
    Admission admit(int fd, const std::string& address_key, std::size_t max_total,
                    std::size_t max_per_ip, Slot& slot);

    // Shutdown, first step: raise the cancel flag and wake every session blocked in a read.
    void cancel_all();
    // Shutdown, last step: cut every connection still open (readers and writers both wake).
    void cut_all();
    // Waits until no connection is left, or the deadline passes; true when empty.
    bool wait_until_empty(std::chrono::steady_clock::time_point deadline);

    const std::atomic<bool>& cancelled() const noexcept { return cancelled_; }
    std::size_t size() const;
    std::size_t count_for(const std::string& address_key) const;

  private:
    struct Entry {
        int fd;
        std::string address_key;
    };
    void release(std::uint64_t id) noexcept;
    bool move(std::uint64_t id, const std::string& address_key, std::size_t max_per_ip);

    mutable std::mutex mutex_;
    std::condition_variable emptied_;
    std::unordered_map<std::uint64_t, Entry> entries_;
    std::unordered_map<std::string, std::size_t> per_address_;
    std::uint64_t next_id_ = 1;
    std::atomic<bool> cancelled_{false};
};

}  // namespace hellod
