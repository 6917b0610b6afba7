#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "net/fd.hpp"

namespace hellod::net {

// A TCP client connection in which every call shares one deadline, so that a server that
// accepts and then says nothing cannot hold the caller (hellod --probe) longer than it allows.
class Client {
  public:
    using Clock = std::chrono::steady_clock;

    enum class Status {
        ok,
        eof,      // the server closed its side
        timeout,  // the deadline passed
        error,    // see error_text()
    };

    explicit Client(Clock::time_point deadline) : deadline_(deadline) {}

    // Resolves HOST and PORT and connects to the first address that accepts, as clients do.
    // On failure error_text() says why ("Connection refused", a resolver message, ...).
    Status connect(const std::string& host, const std::string& port);

    Status send(std::string_view bytes);
    void shutdown_write();

    // The next line without its "\r\n" (or "\n"), at most `limit` bytes; a longer line is an
    // error. At EOF a partial line is returned in `line` with status eof.
    Status read_line(std::string& line, std::size_t limit);

    // Reads until `count` bytes arrived; at EOF or the deadline `bytes` holds what did.
    Status read_bytes(std::string& bytes, std::size_t count);

    // Waits for the server to close; bytes that arrive first are returned in `extra`.
    Status read_to_eof(std::string& extra, std::size_t limit);

    const std::string& error_text() const noexcept { return error_; }

  private:
    Status fill();  // one read into buffer_, waiting at most until the deadline
    Status fail(int error_number);

    Clock::time_point deadline_;
    UniqueFd fd_;
    std::string buffer_;
    std::string error_;
};

std::string_view to_string(Client::Status status);

}  // namespace hellod::net
