#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace hellod::metrics {

// One HTTP/1.1 connection's requests and answers, as bytes: the request parsed (Boost.Beast),
// the page rendered or the error chosen, the response written. Knows no socket, so the endpoint's
// loop owns every wait and every limit on time.
class HttpExchange {
  public:
    using Render = std::function<std::string()>;

    struct Answer {
        std::string bytes;   // the whole response
        bool close = false;  // the connection ends after it (an error, Connection: close, 1.0)
    };

    // max_request_bytes: the request line and headers; a request over it is answered 431.
    explicit HttpExchange(std::size_t max_request_bytes);
    ~HttpExchange();
    HttpExchange(const HttpExchange&) = delete;
    HttpExchange& operator=(const HttpExchange&) = delete;

    // Parses what `in` holds, taking the bytes it used (a pipelined request's stay); once a whole
    // request or a bad one is there, returns its answer. `peer` names the client in debug lines.
    std::optional<Answer> next(std::string& in, const Render& render, std::string_view peer);

  private:
    struct Parser;  // Beast's, kept out of this header
    std::size_t max_request_bytes_;
    std::unique_ptr<Parser> parser_;
};

}  // namespace hellod::metrics
