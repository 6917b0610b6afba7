#include "net/socket_transport.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>

namespace hellod::net {
namespace {

// Failure means fd is not a socket, which the daemon rules out; the calls then simply block
// without a timeout, so there is nothing better to do with the error.
void set_timeout(int fd, int option, std::chrono::milliseconds timeout) {
    timeval tv{};
    if (timeout.count() > 0) {
        tv.tv_sec = static_cast<decltype(tv.tv_sec)>(timeout.count() / 1000);
        tv.tv_usec = static_cast<decltype(tv.tv_usec)>((timeout.count() % 1000) * 1000);
    }
    (void)::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv);
}

Transport::Result result_of(ssize_t n) {
    if (n >= 0) return {static_cast<std::size_t>(n), 0};
    return {0, errno};
}

}  // namespace

int SocketTransport::flags(bool wait) const noexcept {
    return wait && waiting_ == Waiting::as_asked ? 0 : MSG_DONTWAIT;
}

Transport::Result SocketTransport::receive(std::span<char> into, bool wait) {
    return result_of(::recv(fd_, into.data(), into.size(), flags(wait)));
}

Transport::Result SocketTransport::send(std::string_view bytes, bool wait) {
    return result_of(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | flags(wait)));
}

bool SocketTransport::input_waiting() {
    char byte = 0;
    return ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

void SocketTransport::shut_write() {
    (void)::shutdown(fd_, SHUT_WR);
}

void SocketTransport::set_receive_timeout(std::chrono::milliseconds timeout) {
    set_timeout(fd_, SO_RCVTIMEO, timeout);
}

void SocketTransport::set_send_timeout(std::chrono::milliseconds timeout) {
    set_timeout(fd_, SO_SNDTIMEO, timeout);
}

}  // namespace hellod::net
