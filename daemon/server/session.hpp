#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "config/settings.hpp"
#include "net/address.hpp"
#include "net/fd.hpp"
#include "server/connection_table.hpp"
#include "server/peer_resolver.hpp"
#include "server/server_metrics.hpp"

namespace hellod {

struct Connection;
struct ProxyHeaderRead;

// The server's say once a trusted balancer's PROXY header has come (or has not): the client it
// names takes the connection's place in the allow and deny rules and the per-address limit.
// Called on the worker's thread.
class ClientGate {
  public:
    // Whether the session goes on. When it does not, the gate has already refused, turned away
    // or dropped the connection, and logged it as it deserves.
    virtual bool admit(Connection& connection, const ProxyHeaderRead& read) = 0;

  protected:
    virtual ~ClientGate() = default;
};

// One accepted client. Members are destroyed bottom-up: the table slot is released before the
// descriptor is closed, so shutdown never reaches a reused descriptor number.
struct Connection {
    net::UniqueFd fd;
    ConnectionTable::Slot slot;
    std::string peer;            // "192.0.2.1:51234"
    net::SocketAddress address;  // the peer's; both become the client's once a header names it
    // Set for a connection from proxy-protocol-from: a PROXY header comes first, and this decides
    // on the client it names.
    ClientGate* gate = nullptr;
    std::string via;  // the balancer's end, "10.0.0.1:40000", once a header named the client
    // debug for a balancer's own health checks, which would otherwise flood the access log.
    LogLevel access_level = LogLevel::info;
    std::chrono::steady_clock::time_point accepted = std::chrono::steady_clock::now();
    std::shared_ptr<const Settings> settings;   // the settings this session started with
    ServerMetrics* metrics = nullptr;           // counts the session in as it ends, if set
    std::optional<PeerResolver::Pending> host;  // the peer's confirmed name (--resolve-peers)
};

// The whole life of an accepted connection on its worker thread: the protocol over a stream,
// an orderly close, and one access-log line.
void serve(std::unique_ptr<Connection> connection, const std::atomic<bool>& cancel);

// Sends the busy line without blocking and closes; for clients over a limit or when no worker
// can be started. Logs the access line with end=busy.
void turn_away(Connection& connection, std::string_view why);

}  // namespace hellod
