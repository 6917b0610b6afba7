#include "metrics/http_exchange.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <sstream>

// GCC 12 under -fsanitize=address takes boost::optional's storage in Beast's parser for maybe
// uninitialized (a false positive, GCC bug 80635), which -Werror would make fatal. (clang has
// no such warning, and would warn about the unknown name instead.)
#pragma GCC diagnostic push
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#pragma GCC diagnostic pop

#include "log/log.hpp"
#include "text/escape.hpp"
#include "text/strings.hpp"

namespace hellod::metrics {
namespace {

namespace http = boost::beast::http;
using Response = http::response<http::string_body>;

constexpr char exposition_type[] = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view index_page =
    "<html><head><title>hellod</title></head><body><h1>hellod</h1>"
    "<p><a href=\"/metrics\">Metrics</a></p></body></html>\n";

Response page(http::status status, const char* type, std::string body) {
    Response response{status, 11};
    response.set(http::field::content_type, type);
    response.body() = std::move(body);
    return response;
}

// Responses say HTTP/1.1, where staying open goes without saying; a 1.0 client needs it said.
std::string serialize(Response& response, bool head, bool keep_alive, unsigned client_version) {
    response.set(http::field::server, "hellod");
    response.keep_alive(keep_alive);
    if (keep_alive && client_version < 11) response.set(http::field::connection, "keep-alive");
    response.prepare_payload();
    std::ostringstream out;
    // A HEAD's answer is a GET's header, Content-Length included, without its body.
    if (head)
        out << response.base();
    else
        out << response;
    return std::move(out).str();
}

http::status status_of(const boost::system::error_code& error) {
    if (error == http::error::header_limit) return http::status::request_header_fields_too_large;
    if (error == http::error::body_limit) return http::status::payload_too_large;
    return http::status::bad_request;
}

Response metrics_page(const HttpExchange::Render& render) {
    try {
        return page(http::status::ok, exposition_type, render());
    } catch (const std::exception& error) {
        HLOG(warning) << "metrics endpoint: cannot make the page: " << escaped(error.what());
    } catch (...) {
        HLOG(warning) << "metrics endpoint: cannot make the page: an unknown exception";
    }
    return page(http::status::internal_server_error, "text/plain", "cannot collect the metrics\n");
}

HttpExchange::Answer answer(const http::request<http::empty_body>& request,
                            const HttpExchange::Render& render, std::string_view peer) {
    const std::string_view target(request.target().data(), request.target().size());
    const auto path = target.substr(0, target.find('?'));
    const bool head = request.method() == http::verb::head;
    Response response;
    if (!head && request.method() != http::verb::get) {
        response = page(http::status::method_not_allowed, "text/plain", "GET or HEAD only\n");
        response.set(http::field::allow, "GET, HEAD");
    } else if (path == "/metrics") {
        response = metrics_page(render);
    } else if (path == "/") {
        response = page(http::status::ok, "text/html; charset=utf-8", std::string(index_page));
    } else {
        response = page(http::status::not_found, "text/plain", "not found: try /metrics\n");
    }
    const std::string_view method(request.method_string().data(), request.method_string().size());
    HLOG(debug) << "metrics endpoint: " << peer << " " << quoted_excerpt(method, 20) << " "
                << quoted_excerpt(target, 100) << " -> " << response.result_int();
    const bool keep_alive = request.keep_alive();
    return {serialize(response, head, keep_alive, request.version()), !keep_alive};
}

}  // namespace

struct HttpExchange::Parser {
    http::request_parser<http::empty_body> beast;
};

HttpExchange::HttpExchange(std::size_t max_request_bytes) : max_request_bytes_(max_request_bytes) {}

HttpExchange::~HttpExchange() = default;

std::optional<HttpExchange::Answer> HttpExchange::next(std::string& in, const Render& render,
                                                       std::string_view peer) {
    if (!parser_) {
        parser_ = std::make_unique<Parser>();
        parser_->beast.header_limit(
            static_cast<std::uint32_t>(std::min<std::size_t>(max_request_bytes_, UINT32_MAX)));
        parser_->beast.body_limit(0);  // a Content-Length over 0 fails before its body is read
    }
    boost::system::error_code error;
    in.erase(0, parser_->beast.put(boost::asio::buffer(in), error));
    if (error == http::error::need_more || (!error && !parser_->beast.is_header_done()))
        return std::nullopt;
    // A chunked body passes the limit above: the header alone then parses without the message.
    if (!error && !parser_->beast.is_done()) error = http::error::body_limit;
    if (error) {
        HLOG(debug) << "metrics endpoint: a bad request from " << peer << ": " << error.message();
        auto response = page(status_of(error), "text/plain", error.message() + "\n");
        return Answer{serialize(response, false, false, 11), true};
    }
    const auto request = parser_->beast.release();
    parser_.reset();  // a parser reads one message
    return answer(request, render, peer);
}

}  // namespace hellod::metrics
