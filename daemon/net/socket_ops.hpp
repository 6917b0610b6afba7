#pragma once

#include <optional>

#include "net/address.hpp"
#include "net/fd.hpp"

// The small socket operations the server needs on an accepted connection.
namespace hellod::net {

// Replies are coalesced into one write each already; Nagle would only delay them.
void set_no_delay(int fd) noexcept;

// Closes with a reset (SO_LINGER 0) rather than an orderly close: no TIME_WAIT or FIN_WAIT
// socket is kept for a peer the server wants nothing to do with, and not a byte is sent.
void close_with_reset(UniqueFd fd) noexcept;

// Ends the read side, waking a thread blocked in recv() (which then reads the end of input);
// the write side stays open, for a last line.
void shut_read(int fd) noexcept;
// Ends both sides, waking readers and writers alike.
void shut_both(int fd) noexcept;

// The connected peer's address; nullopt when the peer is gone or fd is not connected.
std::optional<SocketAddress> peer_of(int fd);

}  // namespace hellod::net
