#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "net/error.hpp"  // what the constructor throws, for its callers to catch
#include "net/listener.hpp"
#include "net/wakeup.hpp"

namespace hellod::metrics {

// Serves GET /metrics on its listeners from one thread of its own, so that a scrape never takes
// a worker from a greeting session. Every wait is bounded and the connections are few, so that a
// slow or hostile scraper can hold the endpoint only briefly and cannot lock a real one out.
class HttpEndpoint {
  public:
    struct Limits {
        std::size_t max_connections = 4;                  // scrapers at once
        std::chrono::milliseconds request_timeout{5000};  // a whole request, from the accept or
                                                          // the previous response
        std::chrono::milliseconds write_timeout{5000};    // a whole response
        std::size_t max_request_bytes = 8192;             // request line + headers
    };
    // The page, called on the endpoint's thread for each GET or HEAD of /metrics; what it
    // throws (a std::exception) becomes a 500.
    using Render = std::function<std::string()>;

    // `listeners`: bound, listening, non-blocking TCP sockets (see net::open_listeners).
    // Starts the thread; throws std::system_error if it cannot (net::Error if no eventfd).
    HttpEndpoint(std::vector<net::Listener> listeners, Render render, Limits limits);
    explicit HttpEndpoint(std::vector<net::Listener> listeners, Render render)
        : HttpEndpoint(std::move(listeners), std::move(render), Limits{}) {}
    ~HttpEndpoint();  // stop(), then join
    HttpEndpoint(const HttpEndpoint&) = delete;
    HttpEndpoint& operator=(const HttpEndpoint&) = delete;

    // Ends the thread soon, closing the listeners and connections. Thread-safe and
    // async-signal-safe (an eventfd write).
    void stop() noexcept;

  private:
    class Loop;  // the poll loop and its connections; defined with Beast in the .cpp

    net::Wakeup wakeup_;
    std::unique_ptr<Loop> loop_;
    std::thread thread_;  // last: it starts once everything it uses exists
};

}  // namespace hellod::metrics
