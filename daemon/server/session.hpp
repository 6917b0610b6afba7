#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "config/settings.hpp"
#include "net/fd.hpp"
#include "server/connection_table.hpp"
#include "server/peer_resolver.hpp"

namespace hellod {

// One accepted client. Members are destroyed bottom-up: the table slot is released before the
// descriptor is closed, so shutdown never reaches a reused descriptor number.
struct Connection {
    net::UniqueFd fd;
    ConnectionTable::Slot slot;
    std::string peer;  // "192.0.2.1:51234"
    std::chrono::steady_clock::time_point accepted = std::chrono::steady_clock::now();
    std::shared_ptr<const Settings> settings;   // the settings this session started with
    std::optional<PeerResolver::Pending> host;  // the peer's confirmed name (--resolve-peers)
};

// The whole life of an accepted connection on its worker thread: the protocol over a stream,
// an orderly close, and one access-log line.
void serve(std::unique_ptr<Connection> connection, const std::atomic<bool>& cancel);

// Sends the busy line without blocking and closes; for clients over a limit or when no worker
// can be started. Logs the access line with end=busy.
void turn_away(Connection& connection, std::string_view why);

}  // namespace hellod
