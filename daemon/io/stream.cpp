#include "io/stream.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <limits>

namespace hellod {

namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Enough to let a client's last pipelined lines arrive after our farewell without paying for
// a flood: past this, a reset is the client's own doing.
constexpr std::size_t kLingerDrainBytes = 64 * 1024;

}  // namespace

Stream::Stream(Transport& transport, Options options)
    : transport_(transport),
      options_(options),
      capacity_(std::min(inline_buffer, std::max<std::size_t>(options.read_buffer, 1))) {
    // Timeouts the transport keeps (the socket's own) rather than poll(): the hot path stays one
    // system call per read or write. The write timeout is set only once a send would block (see
    // send_all): most sessions never fill the socket's buffer.
    if (options_.read_timeout.count() > 0) transport_.set_receive_timeout(options_.read_timeout);
}

void Stream::make_room(std::size_t max_size) {
    if (begin_ == end_) {
        begin_ = end_ = scanned_ = 0;
    } else if (begin_ > 0) {
        // The pending partial line is at most limit+1 bytes: cheap next to a syscall, and it
        // gives the next read the whole buffer.
        std::memmove(in_, in_ + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    std::size_t wanted = capacity_;
    if (end_ == capacity_) {
        wanted = std::max(capacity_ * 2, capacity_ + 1);  // one line longer than the buffer
    } else if (read_filled_) {
        wanted = options_.read_buffer;  // more was waiting: read it in fewer calls
    }
    // The bound on memory per connection is the point of the limit: never past max_size.
    wanted = std::min(wanted, max_size);
    if (wanted > capacity_) resize(wanted);
}

void Stream::resize(std::size_t capacity) {
    assert(begin_ == 0 && end_ <= capacity);
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
    std::memcpy(bigger.get(), in_, end_);
    heap_ = std::move(bigger);
    in_ = heap_.get();
    capacity_ = capacity;
}

Stream::Status Stream::fill(bool wait) {
    if (stopped_) return Status::interrupted;
    if (eof_) return Status::eof;
    // Replies to a pipelined batch leave in one write, and none waits in our buffer while we
    // wait for the client.
    if (!out_.empty()) {
        if (flush() != Status::ok) return Status::error;
    }
    const auto cancelled = [this](std::memory_order order) {
        return options_.cancel != nullptr && options_.cancel->load(order);
    };
    assert(end_ < capacity_ && "a zero-length recv would look like end of input");
    Transport::Result got;
    for (;;) {
        if (cancelled(std::memory_order_relaxed)) return Status::cancelled;
        got = transport_.receive({in_ + end_, capacity_ - end_}, wait);
        if (got.bytes > 0) break;
        if (got.error == EINTR) continue;
        // The daemon wakes blocked workers with shutdown(SHUT_RD) after setting the flag; the
        // resulting end of input is its doing, not the client's. Acquire pairs with that store.
        if (cancelled(std::memory_order_acquire)) return Status::cancelled;
        if (got.error == 0) {
            eof_ = true;
            return Status::eof;
        }
        if (got.error == EAGAIN || got.error == EWOULDBLOCK) return Status::timeout;
        errno_ = got.error;
        return Status::error;
    }
    const std::size_t received = got.bytes;
    read_filled_ = received == capacity_ - end_;
    bytes_in_ += received;
    std::size_t kept = received;
    if (filter_ != nullptr) {
        const InputFilter::Result result = filter_->filter({in_ + end_, received});
        kept = result.kept;
        if (result.stop) stopped_ = true;
    }
    end_ += kept;
    return Status::ok;
}

Stream::Line Stream::read_line(std::size_t limit) {
    limit = std::min(limit, std::numeric_limits<std::size_t>::max() - 2);
    for (;;) {
        if (begin_ + scanned_ < end_) {
            const char* const base = in_;
            const void* nl = std::memchr(base + begin_ + scanned_, '\n', end_ - begin_ - scanned_);
            if (nl != nullptr) {
                const std::size_t start = begin_;
                auto length = static_cast<std::size_t>(static_cast<const char*>(nl) - base) - start;
                begin_ = start + length + 1;
                scanned_ = 0;
                if (length > 0 && base[start + length - 1] == '\r') --length;
                if (discarding_) {
                    // The tail of a line already reported as too long.
                    discarding_ = false;
                    continue;
                }
                if (length > limit) return {Status::too_long, {}};
                return {Status::ok, {base + start, length}};
            }
            scanned_ = end_ - begin_;
        }

        // No complete line is buffered.
        if (discarding_ || stopped_) begin_ = end_ = scanned_ = 0;
        // Like Ctrl-C in a shell, IAC IP abandons the line being typed.
        if (stopped_) return {Status::interrupted, {}};
        const std::size_t pending = end_ - begin_;
        if (eof_) {
            if (pending == 0) return {Status::eof, {}};
            const std::size_t start = begin_;
            std::size_t length = pending;
            begin_ = end_;
            scanned_ = 0;
            if (in_[start + length - 1] == '\r') --length;
            if (length > limit) return {Status::too_long, {}};
            return {Status::ok, {in_ + start, length}};
        }
        if (pending > limit + 1) {
            // Cannot become a valid line even if "\r\n" comes next: say so now rather than
            // buffer a line of any length waiting for its end.
            begin_ = end_ = scanned_ = 0;
            discarding_ = true;
            return {Status::too_long, {}};
        }
        make_room(std::max(options_.read_buffer, limit + 2));
        const Status status = fill();
        if (status != Status::ok && status != Status::eof && status != Status::interrupted) {
            return {status, {}};
        }
    }
}

Stream::Line Stream::read_some(std::size_t max) {
    if (max == 0) return {Status::ok, {}};
    // A read the filter consumed entirely (only telnet commands) is not a chunk: read again.
    while (begin_ == end_) {
        // One read must be able to return `max` bytes: under raw framing that is one message.
        make_room(options_.read_buffer);
        if (capacity_ < max) resize(max);
        if (const Status status = fill(); status != Status::ok) return {status, {}};
    }
    const std::size_t start = begin_;
    const std::size_t length = std::min(max, end_ - begin_);
    begin_ += length;
    scanned_ = scanned_ > length ? scanned_ - length : 0;
    return {Status::ok, {in_ + start, length}};
}

Stream::Line Stream::peek(std::size_t want, bool wait) {
    if (end_ - begin_ < want) {
        make_room(options_.read_buffer);
        if (capacity_ < want) resize(want);
        if (const Status status = fill(wait); status != Status::ok)
            return {status, {in_ + begin_, end_ - begin_}};
    }
    return {Status::ok, {in_ + begin_, end_ - begin_}};
}

void Stream::skip(std::size_t count) {
    assert(count <= end_ - begin_);
    begin_ += count;
    scanned_ = 0;
}

void Stream::set_read_timeout(std::chrono::milliseconds timeout) {
    options_.read_timeout = timeout;
    // The transport's zero is "for ever" too.
    transport_.set_receive_timeout(timeout);
}

Stream::Status Stream::write(std::string_view bytes) {
    if (write_failed_) return Status::error;
    if (out_.size() + bytes.size() > options_.write_buffer) {
        if (const Status flushed = flush(); flushed != Status::ok) return flushed;
        if (bytes.size() > options_.write_buffer) return send_all(bytes);
    }
    out_.append(bytes);
    return Status::ok;
}

Stream::Status Stream::flush() {
    if (write_failed_) {
        out_.clear();
        return Status::error;
    }
    if (out_.empty()) return Status::ok;
    const Status status = send_all(out_);
    // Sent, or lost with the connection: either way it must not be sent again.
    out_.clear();
    return status;
}

Stream::Status Stream::send_all(std::string_view bytes) {
    if (write_failed_) return Status::error;
    // A reply that fits the socket's buffer leaves in one call that cannot block, and needs
    // no timeout; only the rest of one that does not fit waits, under write_timeout.
    const Transport::Result first = transport_.send(bytes, false);
    std::size_t sent = first.bytes;
    bytes_out_ += first.bytes;
    if (first.error == 0 && sent == bytes.size()) return Status::ok;
    if (first.error != 0 && first.error != EAGAIN && first.error != EWOULDBLOCK &&
        first.error != EINTR) {
        write_failed_ = true;
        errno_ = first.error;
        return Status::error;
    }
    const milliseconds write_timeout = options_.write_timeout;
    const bool timed = write_timeout.count() > 0;
    // The send timeout bounds one send() without progress; a client that reads a trickle makes
    // progress forever. The deadline bounds the whole flush. Reading the clock (vDSO) costs
    // nothing next to the send itself.
    const Clock::time_point deadline = timed ? Clock::now() + write_timeout : Clock::time_point{};
    if (timed && !send_timeout_set_) {
        transport_.set_send_timeout(write_timeout);
        send_timeout_set_ = true;
    }
    bool lowered = false;
    Status status = Status::ok;
    int failure = 0;
    const std::size_t first_sent = sent;
    while (sent < bytes.size()) {
        if (timed && sent > first_sent) {
            // Only after a partial send: the common single-send flush never gets here.
            const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) {
                status = Status::timeout;
                failure = ETIMEDOUT;
                break;
            }
            transport_.set_send_timeout(left);
            lowered = true;
        }
        const Transport::Result n = transport_.send(bytes.substr(sent), true);
        if (n.error == 0) {
            sent += n.bytes;
            bytes_out_ += n.bytes;
            continue;
        }
        const int err = n.error;
        if (err == EINTR) continue;
        const bool expired = err == EAGAIN || err == EWOULDBLOCK;
        status = expired ? Status::timeout : Status::error;
        failure = expired ? ETIMEDOUT : err;
        break;
    }
    if (lowered) transport_.set_send_timeout(write_timeout);
    if (status != Status::ok) {
        // A partly sent reply leaves the byte stream in an unknown state: nothing more may go.
        write_failed_ = true;
        errno_ = failure;
    }
    return status;
}

std::string Stream::error_text() const {
    if (write_failed_ && errno_ == ETIMEDOUT) return "write timed out";
    return std::strerror(errno_);
}

bool Stream::client_may_send_more() {
    // Input read but not consumed (lines pipelined after the last one), or input the kernel
    // holds already: a client that sends like that may have more in flight.
    return begin_ < end_ || discarding_ || transport_.input_waiting();
}

void Stream::close_gracefully(milliseconds linger) {
    (void)flush();
    transport_.shut_write();
    // nginx's heuristic: lingering costs a wait and a wake-up per session, and only protects
    // against a client still sending; one that closed, or that sent nothing unread, is done.
    if (eof_ || !client_may_send_more()) return;
    const milliseconds budget = std::max(linger, milliseconds{1});
    const Clock::time_point deadline = Clock::now() + budget;
    std::array<char, 4096> sink;
    std::size_t drained = 0;
    while (drained < kLingerDrainBytes) {
        // Each recv gets only the time left, so a trickling client cannot extend the linger.
        const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) break;
        transport_.set_receive_timeout(left);
        const Transport::Result n = transport_.receive(
            {sink.data(), std::min(sink.size(), kLingerDrainBytes - drained)}, true);
        if (n.bytes > 0) {
            drained += n.bytes;
            bytes_in_ += n.bytes;
            continue;
        }
        if (n.error == EINTR) continue;
        break;
    }
}

}  // namespace hellod
