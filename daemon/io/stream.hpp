#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "io/input_filter.hpp"
#include "io/transport.hpp"

namespace hellod {

// A file-like buffered stream over one connection (think socket.makefile('rwb')), through its
// Transport. It knows nothing of protocols: lines, chunks, bytes, timeouts. Not thread-safe: one
// worker owns it. It does not own the transport.
class Stream {
  public:
    enum class Status {
        ok,           // data returned
        too_long,     // read_line: the line exceeds the limit; its rest is being discarded
        eof,          // the peer closed (or shut down) its side and nothing is left
        timeout,      // no input within read_timeout, or a write blocked for write_timeout
        cancelled,    // *cancel became true (the daemon is shutting down)
        interrupted,  // the input filter stopped the input (telnet IAC IP / IAC BRK)
        error,        // the connection failed (reset, etc.); see error_number()
    };

    struct Options {
        // The most one read asks for while input arrives faster than it is read; the buffer
        // starts smaller, inside the stream, and grows to this only then, or to max_line+2
        // when read_line needs that much for one line.
        std::size_t read_buffer = 4096;
        std::size_t write_buffer = 4096;
        std::chrono::milliseconds read_timeout{0};   // 0 = wait forever
        std::chrono::milliseconds write_timeout{0};  // 0 = wait forever
        const std::atomic<bool>* cancel = nullptr;   // checked before each blocking read
    };

    struct Line {
        Status status;
        std::string_view text;  // valid until the next call on the stream
    };

    Stream(Transport& transport, Options options);
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    // The next line without its "\n" (and without one "\r" right before it). A line of more
    // than `limit` bytes (terminator not counted) is reported once as too_long, without
    // buffering more than limit+2 bytes; its remainder up to "\n" is skipped. At end of input
    // a pending partial line is returned as a line first (a trailing "\r" dropped), then eof.
    // Before blocking for input, pending output is flushed; if that flush fails (even by
    // timing out), the read reports error: timeout from a read always means no input came.
    Line read_line(std::size_t limit);

    // Up to `max` bytes: what is buffered, or else what one read returns (the buffer grows to
    // `max` for it, so the caller's max bounds the memory).
    Line read_some(std::size_t max);

    // The input not yet taken, without taking it: what is buffered, after one read more when
    // fewer than `want` bytes are (the buffer grows to `want` for it, so `want` bounds the
    // memory). For a header in front of the protocol, whose length only its first bytes tell;
    // the text is valid until the next call. A failed read still returns what is buffered.
    // Without `wait`, the read takes only what has arrived, and reports timeout when nothing has.
    Line peek(std::size_t want, bool wait = true);
    // Takes the first `count` bytes of what peek() returned; they are never read again.
    void skip(std::size_t count);
    // How long one read may wait from now on; 0 = for ever.
    void set_read_timeout(std::chrono::milliseconds timeout);
    std::chrono::milliseconds read_timeout() const noexcept { return options_.read_timeout; }

    // Buffered write; flushes when the buffer is full. Returns ok, timeout or error.
    Status write(std::string_view bytes);
    Status flush();

    // Orderly close of the write side: flush, shutdown(SHUT_WR), then, when the client may still
    // be sending (input pipelined past the last line, or more already arrived), read and
    // discard what it sends for at most `linger` or 64 KiB, so that closing with unread input
    // does not reset the connection and destroy replies in flight (nginx's lingering close,
    // with its heuristic).
    void close_gracefully(std::chrono::milliseconds linger);

    void set_input_filter(InputFilter* filter) noexcept { filter_ = filter; }
    std::size_t read_buffer_size() const noexcept { return options_.read_buffer; }

    std::uint64_t bytes_in() const noexcept { return bytes_in_; }    // raw bytes received
    std::uint64_t bytes_out() const noexcept { return bytes_out_; }  // bytes sent
    int error_number() const noexcept { return errno_; }             // after Status::error
    // What failed, for a log line: "write timed out", or the system's text for error_number().
    std::string error_text() const;
    bool write_failed() const noexcept { return write_failed_; }
    // Bytes held by the read buffer (for tests: it must stay within max(read_buffer, limit+2)).
    std::size_t buffer_capacity() const noexcept { return capacity_; }

    // The read buffer a stream starts with, inside the stream itself (so on the worker's
    // stack): short lines, the daemon's usual input, never touch the heap, and an idle
    // session costs no heap memory at all.
    static constexpr std::size_t inline_buffer = 512;

  private:
    // One read into the buffer (after flushing output); without `wait`, only what has arrived,
    // and timeout when nothing has.
    Status fill(bool wait = true);
    Status send_all(std::string_view bytes);
    bool client_may_send_more();
    void make_room(std::size_t max_size);  // room for one more read, buffer <= max_size
    void resize(std::size_t capacity);     // keeps the buffered bytes (begin_ must be 0)

    Transport& transport_;
    Options options_;
    InputFilter* filter_ = nullptr;
    std::array<char, inline_buffer> inline_;
    std::unique_ptr<char[]> heap_;  // once the buffer outgrows inline_
    char* in_ = inline_.data();
    std::size_t capacity_;
    bool read_filled_ = false;  // the last read filled all the room it was given
    std::size_t begin_ = 0;     // first unread byte in in_
    std::size_t end_ = 0;       // one past the last buffered byte
    std::size_t scanned_ = 0;   // bytes from begin_ already known to hold no '\n'
    bool discarding_ = false;   // inside the rest of an over-long line
    bool eof_ = false;
    bool stopped_ = false;  // the filter ended the input
    std::string out_;
    std::uint64_t bytes_in_ = 0;
    std::uint64_t bytes_out_ = 0;
    int errno_ = 0;
    bool write_failed_ = false;
    bool send_timeout_set_ = false;  // set the first time a send could block
};

}  // namespace hellod
