#pragma once

// A protocol session over a socketpair: the real Stream and protocol code, no network needed.
#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "io/stream.hpp"
#include "net/fd.hpp"
#include "net/socket_transport.hpp"
#include "protocol/dispatch.hpp"

namespace hellod::testing {

using SessionFn = std::function<protocol::SessionResult(Stream&)>;

// The server side runs `run` on a thread of its own; the test is the client. Every receive is
// bounded by a 5 s timeout, so a protocol that hangs fails the test instead of stalling it.
class LiveSession {
  public:
    explicit LiveSession(SessionFn run, Stream::Options options = default_options()) {
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
            throw std::runtime_error("socketpair failed");
        server_.reset(pair[0]);
        client_.reset(pair[1]);
        timeval tv{5, 0};
        ::setsockopt(client_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        worker_ = std::thread([this, run = std::move(run), options] {
            net::SocketTransport transport(server_.get());
            Stream stream(transport, options);
            result_ = run(stream);
            stream.flush();
            ::shutdown(server_.get(), SHUT_RDWR);
        });
    }
    LiveSession(const LiveSession&) = delete;
    LiveSession& operator=(const LiveSession&) = delete;
    ~LiveSession() {
        ::shutdown(client_.get(), SHUT_RDWR);
        if (worker_.joinable()) worker_.join();
    }

    static Stream::Options default_options() {
        using namespace std::chrono_literals;
        return {.read_timeout = 5s, .write_timeout = 5s};
    }

    void send(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::send(client_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) throw std::runtime_error("send failed");
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    void close_input() { ::shutdown(client_.get(), SHUT_WR); }

    // Reads until the received text ends with `suffix` (or the server closes, or 5 s pass).
    std::string read_until(std::string_view suffix) { return read(suffix); }
    // Everything until the server closes (or 5 s pass).
    std::string read_all() { return read(std::nullopt); }

    // Waits for the server side to finish and returns how the session ended.
    protocol::SessionResult result() {
        if (worker_.joinable()) worker_.join();
        return result_;
    }
    int client_fd() const { return client_.get(); }

  private:
    std::string read(std::optional<std::string_view> suffix) {
        std::string got;
        char buffer[4096];
        while (!suffix || !std::string_view(got).ends_with(*suffix)) {
            const ssize_t n = ::recv(client_.get(), buffer, sizeof buffer, 0);
            if (n <= 0) break;
            got.append(buffer, static_cast<std::size_t>(n));
        }
        return got;
    }

    net::UniqueFd server_;
    net::UniqueFd client_;
    protocol::SessionResult result_;
    std::thread worker_;
};

struct Conversation {
    std::string output;
    protocol::SessionResult result;
};

// Sends `input` in one go (then half-closes when `close_input`) and returns everything the
// server writes until it closes.
inline Conversation converse(SessionFn run, std::string_view input, bool close_input = true) {
    LiveSession session(std::move(run));
    std::thread writer([&] {
        session.send(input);
        if (close_input) session.close_input();
    });
    Conversation c;
    c.output = session.read_all();
    writer.join();
    c.result = session.result();
    return c;
}

}  // namespace hellod::testing
