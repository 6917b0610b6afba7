#include "app/probe.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>
#include <stdexcept>

#include "app/fatal_error.hpp"
#include "net/address.hpp"
#include "net/client.hpp"
#include "protocol/expectation.hpp"
#include "protocol/fixed_lines.hpp"
#include "text/escape.hpp"
#include "text/strings.hpp"

namespace hellod {
namespace {

using Status = net::Client::Status;

// Far above any welcome, reply or farewell; only a server gone wrong sends a longer line.
constexpr std::size_t kLineLimit = 64 * 1024;

// One session's worth of checks; each step returns a failure sentence or nothing.
class Session {
  public:
    Session(const ProbeTarget& target, const protocol::Options& options,
            std::chrono::milliseconds timeout)
        : target_(target),
          expect_(options),
          timeout_(timeout),
          start_(net::Client::Clock::now()),
          client_(start_ + timeout) {}

    ProbeResult run() {
        if (const Status s = client_.connect(target_.host, target_.port); s != Status::ok) {
            return unhealthy(s == Status::timeout
                                 ? "no connection within " + seconds_text(timeout_) + " s"
                                 : "cannot connect: " + client_.error_text());
        }
        return expect_.protocol() == Protocol::echo ? echo() : conversation();
    }

  private:
    ProbeResult healthy() const {
        const std::chrono::duration<double, std::milli> elapsed =
            net::Client::Clock::now() - start_;
        char ms[32];
        std::snprintf(ms, sizeof ms, "%.1f ms", elapsed.count());
        return {true, "hellod at " + target_.name + " is healthy: it answered as the " +
                          std::string(to_string(expect_.protocol())) + " protocol should in " + ms};
    }

    ProbeResult unhealthy(const std::string& why) const {
        return {false, "hellod at " + target_.name + " is not healthy: " + why};
    }

    // The fixed lines a server sends instead of a session; busy still means it is up.
    std::optional<ProbeResult> refusal(std::string_view line) const {
        switch (protocol::Expectation::refusal(line)) {
            case protocol::Expectation::Refusal::busy:
                return ProbeResult{true, "hellod at " + target_.name +
                                             " is up but busy: it turned the probe away with '" +
                                             std::string(line) + "'"};
            case protocol::Expectation::Refusal::shutting_down:
                return unhealthy("it is shutting down");
            case protocol::Expectation::Refusal::none:
                break;
        }
        return std::nullopt;
    }

    std::string failed(Status status, std::string_view what) const {
        switch (status) {
            case Status::timeout:
                return "no " + std::string(what) + " within " + seconds_text(timeout_) + " s";
            case Status::eof:
                return "it closed the connection before the " + std::string(what);
            case Status::error:
            case Status::ok:
                break;
        }
        return "reading the " + std::string(what) + " failed: " + client_.error_text();
    }

    // Reads one line; the first line of a session may instead be the busy or shutdown line.
    std::optional<ProbeResult> expect_line(std::string_view what, std::string& line) {
        const Status s = client_.read_line(line, kLineLimit);
        if (first_line_) {
            first_line_ = false;
            if (auto r = refusal(line)) return r;
        }
        if (s != Status::ok) return unhealthy(failed(s, what));
        return std::nullopt;
    }

    std::optional<ProbeResult> expect_exact(std::string_view what, std::string_view expected) {
        std::string line;
        if (auto r = expect_line(what, line)) return r;
        if (line != expected) {
            return unhealthy("it sent " + quoted_excerpt(line) + " where the " + std::string(what) +
                             " " + quoted_excerpt(expected) + " was expected");
        }
        return std::nullopt;
    }

    std::optional<ProbeResult> send(std::string_view bytes, std::string_view what) {
        if (const Status s = client_.send(bytes); s != Status::ok) {
            return unhealthy(
                s == Status::timeout
                    ? "it took no " + std::string(what) + " within " + seconds_text(timeout_) + " s"
                    : "sending the " + std::string(what) + " failed: " + client_.error_text());
        }
        return std::nullopt;
    }

    // After the session the server must close, and send nothing more first.
    ProbeResult expect_close() {
        std::string extra;
        const Status s = client_.read_to_eof(extra, kLineLimit);
        if (s == Status::timeout)
            return unhealthy("it did not close the session within " + seconds_text(timeout_) +
                             " s");
        if (s != Status::ok)
            return unhealthy("waiting for the close failed: " + client_.error_text());
        if (!extra.empty())
            return unhealthy("it sent " + quoted_excerpt(extra) + " where it should have closed");
        return healthy();
    }

    // greeting and timestamp: welcome, one line and its answer, exit command and farewell.
    ProbeResult conversation() {
        if (!expect_.welcome().empty()) {
            if (auto r = expect_exact("welcome", expect_.welcome())) return *r;
        }
        const std::string& line = expect_.probe_line();
        if (auto r = send(line + std::string(protocol::crlf), "line")) return *r;
        std::string answer;
        if (auto r = expect_line("answer", answer)) return *r;
        if (!expect_.is_answer(answer)) {
            return unhealthy("it answered " + quoted_excerpt(answer) + " where " +
                             expect_.expected_answer() + " was expected");
        }
        if (const auto exit_line = expect_.exit_line()) {
            if (auto r = send(*exit_line, "exit command")) return *r;
            if (!expect_.farewell().empty()) {
                if (auto r = expect_exact("farewell", expect_.farewell())) return *r;
            }
        } else {
            client_.shutdown_write();  // the end of input ends the session
        }
        return expect_close();
    }

    // echo: the bytes come back unchanged; the end of input ends the session.
    ProbeResult echo() {
        constexpr std::string_view payload = protocol::Expectation::echo_payload;
        if (auto r = send(payload, "bytes")) return *r;
        std::string back;
        const Status s = client_.read_bytes(back, payload.size());
        if (s != Status::ok) {
            if (back.ends_with(protocol::crlf)) {
                if (auto r = refusal(std::string_view(back).substr(0, back.size() - 2))) return *r;
            }
            return unhealthy(failed(s, "echo") +
                             (back.empty() ? "" : " (after " + quoted_excerpt(back) + ")"));
        }
        if (back != payload) {
            return unhealthy("it sent " + quoted_excerpt(back) + " back instead of " +
                             quoted_excerpt(payload));
        }
        client_.shutdown_write();
        return expect_close();
    }

    const ProbeTarget& target_;
    const protocol::Expectation expect_;
    std::chrono::milliseconds timeout_;
    net::Client::Clock::time_point start_;
    net::Client client_;
    bool first_line_ = true;
};

}  // namespace

std::vector<ProbeTarget> probe_targets(std::string_view target,
                                       const std::vector<std::string>& listen) {
    std::vector<std::string> specs;
    if (!target.empty())
        specs.emplace_back(target);
    else if (listen.empty())
        specs.emplace_back("*:9999");  // the built-in listen address
    else
        specs = listen;

    std::vector<ProbeTarget> targets;
    for (const auto& spec : specs) {
        const std::string option = target.empty() ? "listen " + spec : "--probe " + spec;
        net::Endpoint endpoint;
        try {
            endpoint = net::parse_endpoint(spec);
        } catch (const std::invalid_argument& e) {
            throw FatalError(exit_code::usage, option + ": the address " + e.what());
        }
        if (net::is_any_port(spec)) {
            throw FatalError(exit_code::usage,
                             option +
                                 ": port 0 is whatever port the kernel picked; name the "
                                 "port with --probe HOST:PORT");
        }
        std::string host = endpoint.host;
        if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
        if (host == "::") host = "::1";
        const bool v6 = host.find(':') != std::string::npos;
        targets.push_back(
            {host, endpoint.service, (v6 ? "[" + host + "]" : host) + ":" + endpoint.service});
    }
    return targets;
}

ProbeResult probe(const ProbeTarget& target, const protocol::Options& options,
                  std::chrono::milliseconds timeout) {
    return Session(target, options, timeout).run();
}

int run_probe(const Invocation& invocation) {
    bool all_healthy = true;
    for (const auto& target : probe_targets(invocation.probe_target, invocation.settings.listen)) {
        const auto result = probe(target, invocation.settings.session, invocation.probe_timeout);
        (result.healthy ? std::cout : std::cerr) << result.sentence << std::endl;
        all_healthy = all_healthy && result.healthy;
    }
    return all_healthy ? exit_code::ok : exit_code::unhealthy;
}

}  // namespace hellod
