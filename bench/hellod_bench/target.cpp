#include "target.hpp"

#include <netdb.h>

#include <charconv>
#include <cstring>
#include <memory>

namespace hellod_bench {

std::optional<HostPort> split_host_port(std::string_view text) {
    std::string_view host;
    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find("]:");
        if (close == std::string_view::npos) return std::nullopt;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) return std::nullopt;  // IPv6 needs [ ]
    }
    unsigned number = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (host.empty() || ec != std::errc{} || end != port.data() + port.size() || number == 0 ||
        number > 65535)
        return std::nullopt;
    return HostPort{std::string(host), std::string(port)};
}

std::optional<Target> resolve_target(std::string_view text) {
    const auto hp = split_host_port(text);
    if (!hp) return std::nullopt;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* raw = nullptr;
    if (getaddrinfo(hp->host.c_str(), hp->port.c_str(), &hints, &raw) != 0 || raw == nullptr)
        return std::nullopt;
    const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(raw, &freeaddrinfo);
    Target target;
    std::memcpy(&target.addr, list->ai_addr, list->ai_addrlen);
    target.len = list->ai_addrlen;
    target.text = std::string(text);
    return target;
}

}  // namespace hellod_bench
