#include "server/udp_echo.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <string>
#include <system_error>

#include "log/log.hpp"
#include "net/address.hpp"
#include "net/cidr.hpp"
#include "net/datagram.hpp"
#include "text/strings.hpp"

namespace hellod {
namespace {

// Datagrams per socket per wake-up, so that one busy socket cannot starve the others.
constexpr int receive_batch = 64;

// The largest UDP payload is 65507 bytes over IPv4 and 65527 over IPv6; 64 KiB holds either,
// so only an IPv6 jumbogram could be truncated.
constexpr std::size_t buffer_size = 64 * 1024;

// How long the sockets rest after a failure that may persist, so the loop cannot spin on it.
constexpr int rest_after_receive_error_ms = 10;
constexpr int rest_after_poll_error_ms = 100;

// An echo service answers anyone, so a datagram forged to come "from" another such service
// (echo on 7, chargen on 19, daytime on 13, or another hellod's echo answering on a privileged
// port) would have the two answer each other for ever, each reply provoking the next. Those
// services live on privileged ports, and no real client sends from one (nor from port 0, which
// cannot even be answered), so, like BSD inetd's internal echo, we do not answer them.
bool reflection_risk(unsigned source_port) {
    return source_port < 1024;
}

}  // namespace

UdpEcho::UdpEcho(std::vector<net::Listener> sockets, std::size_t rate)
    : sockets_(std::move(sockets)), buffer_(buffer_size), rate_(rate), limit_(rate) {
    waits_.push_back({wake_.fd(), POLLIN, 0});
    for (const auto& socket : sockets_)
        waits_.push_back({socket.fd.get(), POLLIN, 0});
    try {
        thread_ = std::thread([this] { run(); });
    } catch (const std::system_error& e) {
        throw std::system_error(e.code(), "cannot start the UDP echo thread");
    }
}

UdpEcho::~UdpEcho() {
    stop();
    if (thread_.joinable()) thread_.join();
}

void UdpEcho::stop() noexcept {
    wake_.notify();
}

void UdpEcho::run() {
    int rest_ms = 0;
    for (;;) {
        // While resting, only a stop is waited for.
        const nfds_t count = rest_ms > 0 ? 1 : waits_.size();
        const int ready =
            ::poll(waits_.data(), count, rest_ms > 0 ? rest_ms : wait_for_drops_line());
        rest_ms = 0;
        log_drops(SourceRateLimit::Clock::now());
        if (ready < 0) {
            const int error = errno;
            if (error == EINTR) continue;
            HLOG(error) << "udp echo: poll failed: " << errno_text(error) << "; retrying";
            rest_ms = rest_after_poll_error_ms;
            continue;
        }
        if (waits_[0].revents != 0) return;
        for (nfds_t i = 1; i < count; ++i)
            if (waits_[i].revents != 0 && !drain(sockets_[i - 1]))
                rest_ms = rest_after_receive_error_ms;
    }
}

std::string_view UdpEcho::to_string(Drop drop) {
    switch (drop) {
        case Drop::too_long:
            return "too_long";
        case Drop::source_port:
            return "source_port";
        case Drop::broadcast:
            return "broadcast";
        case Drop::over_rate:
            return "over_rate";
        case Drop::send_failed:
            return "send_failed";
    }
    return "send_failed";
}

UdpEcho::Counts UdpEcho::counts() const noexcept {
    Counts counts{echoed(), echoed_bytes(), {}};
    for (std::size_t i = 0; i < drop_count; ++i)
        counts.dropped[i] = dropped_[i].load(std::memory_order_relaxed);
    return counts;
}

bool UdpEcho::drain(const net::Listener& socket) {
    net::Datagram request;
    for (int i = 0; i < receive_batch; ++i) {
        if (!net::receive_datagram(socket.fd.get(), buffer_, request)) {
            const int error = errno;
            if (error == EAGAIN || error == EWOULDBLOCK) return true;
            if (error == EINTR) continue;
            HLOG(debug) << "udp " << socket.name << ": receive failed: " << errno_text(error);
            return false;
        }
        answer(socket, request, std::span(buffer_).first(request.size));
    }
    return true;
}

void UdpEcho::answer(const net::Listener& socket, const net::Datagram& request,
                     std::span<const std::byte> payload) {
    const auto peer = [&] { return net::to_string(request.peer_address(), request.peer_length); };
    if (request.truncated) {
        // Echoing the part that fit would send back something the client never sent.
        drop(Drop::too_long);
        HLOG(debug) << "udp " << socket.name << ": dropped a datagram from " << peer()
                    << ": longer than " << buffer_.size() << " bytes";
        return;
    }
    if (reflection_risk(request.peer_port())) {
        drop(Drop::source_port);
        HLOG(debug) << "udp " << socket.name << ": dropped " << payload.size() << " bytes from "
                    << peer() << ": privileged source port (echo loop risk)";
        return;
    }
    if (request.to_group()) {
        // One forged datagram to a broadcast or multicast address would otherwise draw an
        // answer from every host listening there, all aimed at the forged source.
        drop(Drop::broadcast);
        HLOG(debug) << "udp " << socket.name << ": dropped " << payload.size() << " bytes from "
                    << peer() << ": sent to a broadcast or multicast address";
        return;
    }
    if (!within_rate(socket, request, payload.size())) return;
    if (!net::send_reply(socket.fd.get(), payload, request)) {
        // A full send buffer or an unreachable client loses this datagram only, as UDP may.
        const int error = errno;
        drop(Drop::send_failed);
        HLOG(debug) << "udp " << socket.name << ": could not echo " << payload.size()
                    << " bytes to " << peer() << ": " << errno_text(error);
        return;
    }
    echoed_.fetch_add(1, std::memory_order_relaxed);
    echoed_bytes_.fetch_add(payload.size(), std::memory_order_relaxed);
    HLOG(debug) << "udp " << socket.name << ": echoed " << payload.size() << " bytes to " << peer();
}

bool UdpEcho::within_rate(const net::Listener& socket, const net::Datagram& request,
                          std::size_t size) {
    const std::size_t rate = rate_.load(std::memory_order_relaxed);
    if (rate != limit_.rate()) limit_.set_rate(rate);
    if (rate == 0) return true;
    // A UDP peer always has an IP address; one without (never seen) is counted as 0.0.0.0,
    // which no datagram really comes from.
    const auto source =
        net::IpAddress::of(request.peer_address(), request.peer_length).value_or(net::IpAddress{});
    const auto now = SourceRateLimit::Clock::now();
    if (limit_.allow(source, now)) return true;
    drop(Drop::over_rate);
    HLOG(debug) << "udp " << socket.name << ": dropped " << size << " bytes from "
                << net::to_string(request.peer_address(), request.peer_length)
                << ": over udp-echo-rate";
    log_drops(now, &request);
    return false;
}

void UdpEcho::log_drops(SourceRateLimit::Clock::time_point now, const net::Datagram* latest) {
    const auto report = limit_.report(now);
    if (!report) return;
    const std::string source =
        latest ? net::to_string(latest->peer_address(), latest->peer_length) : std::string();
    HLOG(warning) << rate_limit_line(*report, source, limit_.capacity());
}

int UdpEcho::wait_for_drops_line() const {
    const auto due = limit_.next_report();
    if (!due) return -1;
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(*due - SourceRateLimit::Clock::now());
    return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left.count(), 0, INT_MAX));
}

}  // namespace hellod
