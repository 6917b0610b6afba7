#include "metrics/scrape_connection.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "log/log.hpp"
#include "net/socket_ops.hpp"
#include "text/strings.hpp"

namespace hellod::metrics {
namespace {

// After a response that ends the connection the client may still be sending (the rest of a
// header too large, a body): closing at once would answer those bytes with a reset that can
// destroy the response before the client reads it. So the endpoint shuts its side and reads
// and drops what still comes, for a while.
constexpr auto linger_time = std::chrono::seconds(1);
constexpr std::size_t linger_bytes = 64 * 1024;

}  // namespace

ScrapeConnection::ScrapeConnection(net::UniqueFd fd, std::string peer, const Limits& limits,
                                   std::uint64_t& serial, Clock::time_point now)
    : fd_(std::move(fd)),
      peer_(std::move(peer)),
      limits_(limits),
      serial_(serial),
      exchange_(limits.max_request_bytes),
      deadline_(now + limits.request_timeout),
      idle_since_(++serial) {}

short ScrapeConnection::events() const noexcept {
    return phase_ == Phase::writing ? POLLOUT : POLLIN;
}

void ScrapeConnection::on_event(short revents, const HttpExchange::Render& render,
                                Clock::time_point now) {
    if (phase_ == Phase::writing) {
        write_out(now);
        serve(render, now);  // a pipelined request may wait behind the response just finished
    } else if (open() && (revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
        on_readable(render, now);
    }
}

void ScrapeConnection::on_readable(const HttpExchange::Render& render, Clock::time_point now) {
    char buffer[4096];
    const ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) return close(n == 0 ? "closed by the client" : errno_text(errno));
    if (phase_ == Phase::lingering) {
        dropped_ += static_cast<std::size_t>(n);
        if (dropped_ > linger_bytes) close("still sending after the last response");
        return;
    }
    in_.append(buffer, static_cast<std::size_t>(n));
    serve(render, now);
}

// Answers the requests buffered, one after the other, while each answer goes out at once.
void ScrapeConnection::serve(const HttpExchange::Render& render, Clock::time_point now) {
    while (phase_ == Phase::reading && !in_.empty()) {
        auto answer = exchange_.next(in_, render, peer_);
        if (!answer) return;
        start_response(std::move(answer->bytes), answer->close, now);
    }
}

void ScrapeConnection::start_response(std::string bytes, bool close, Clock::time_point now) {
    phase_ = Phase::writing;
    out_ = std::move(bytes);
    sent_ = 0;
    close_after_ = close;
    deadline_ = now + limits_.write_timeout;
    write_out(now);
}

void ScrapeConnection::write_out(Clock::time_point now) {
    while (sent_ < out_.size()) {
        const ssize_t n = ::send(fd_.get(), out_.data() + sent_, out_.size() - sent_, MSG_NOSIGNAL);
        if (n > 0) {
            sent_ += static_cast<std::size_t>(n);
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;  // POLLOUT brings the loop back
        } else if (errno != EINTR) {
            return close(errno_text(errno));
        }
    }
    out_ = std::string();  // not clear(): a big page's memory goes back now
    sent_ = 0;
    idle_since_ = ++serial_;
    if (close_after_) {
        ::shutdown(fd_.get(), SHUT_WR);
        phase_ = Phase::lingering;
        deadline_ = now + linger_time;
    } else {
        phase_ = Phase::reading;
        deadline_ = now + limits_.request_timeout;  // also bounds an idle keep-alive
    }
}

void ScrapeConnection::expire(Clock::time_point now) {
    if (!open() || deadline_ > now) return;
    if (phase_ == Phase::reading)
        close("no whole request in time");
    else if (phase_ == Phase::writing)
        close("the response was not taken in time", true);
    else
        close("lingered enough");
}

void ScrapeConnection::close(std::string_view why, bool reset) {
    HLOG(debug) << "metrics endpoint: closing " << peer_ << ": " << why;
    if (reset) net::close_with_reset(std::move(fd_));
    fd_.reset();
    phase_ = Phase::closed;
}

}  // namespace hellod::metrics
