#include "net/address.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "net/error.hpp"

namespace hellod::net {
namespace {

bool is_v4_mapped(const sockaddr_in6& a) {
    return IN6_IS_ADDR_V4MAPPED(&a.sin6_addr);
}

bool all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Endpoint split_endpoint(std::string_view text) {
    if (text.empty()) throw std::invalid_argument("is empty");
    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) throw std::invalid_argument("has '[' without ']'");
        if (close + 1 >= text.size() || text[close + 1] != ':' || close + 2 == text.size())
            throw std::invalid_argument("needs a port after the bracketed address, as [::1]:9999");
        return {std::string(text.substr(1, close - 1)), std::string(text.substr(close + 2))};
    }
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        if (all_digits(text)) return {"", std::string(text)};
        throw std::invalid_argument("needs a port, as HOST:PORT");
    }
    if (text.find(':') != colon)
        throw std::invalid_argument(
            "looks like an IPv6 address: write it in brackets, as [::1]:9999");
    if (colon + 1 == text.size()) throw std::invalid_argument("needs a port after ':'");
    std::string host(text.substr(0, colon));
    if (host == "*") host.clear();
    return {host, std::string(text.substr(colon + 1))};
}

// getaddrinfo(3) takes a number for a port as it comes and keeps its low 16 bits: 86576 would
// quietly be 21040.
Endpoint checked(Endpoint endpoint) {
    if (!all_digits(endpoint.service)) return endpoint;
    const auto first = endpoint.service.find_first_not_of('0');
    const std::string_view digits = first == std::string::npos
                                        ? std::string_view("0")
                                        : std::string_view(endpoint.service).substr(first);
    if (digits.size() > 5 || std::stoul(std::string(digits)) > 65535)
        throw std::invalid_argument("has port " + endpoint.service +
                                    ", but ports go from 0 to 65535");
    return endpoint;
}

}  // namespace

Endpoint parse_endpoint(std::string_view text) {
    return checked(split_endpoint(text));
}

bool is_any_port(std::string_view text) {
    const std::string service = parse_endpoint(text).service;
    return all_digits(service) && service.find_first_not_of('0') == std::string::npos;
}

std::vector<SocketAddress> resolve(const Endpoint& endpoint, std::string_view option_text) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* results = nullptr;
    const int rc = ::getaddrinfo(endpoint.host.empty() ? nullptr : endpoint.host.c_str(),
                                 endpoint.service.c_str(), &hints, &results);
    if (rc != 0) {
        const auto kind = rc == EAI_SERVICE ? Error::Kind::bad_address : Error::Kind::unknown_host;
        std::string what = rc == EAI_SERVICE ? "unknown port or service '" + endpoint.service + "'"
                                             : std::string(::gai_strerror(rc));
        throw Error(kind, 0, "listen " + std::string(option_text) + ": " + what);
    }
    std::vector<SocketAddress> out;
    for (const addrinfo* ai = results; ai != nullptr; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
        SocketAddress address;
        std::memcpy(&address.storage, ai->ai_addr, ai->ai_addrlen);
        address.length = ai->ai_addrlen;
        const bool seen = std::any_of(out.begin(), out.end(), [&](const SocketAddress& a) {
            return a.length == address.length &&
                   std::memcmp(&a.storage, &address.storage, a.length) == 0;
        });
        if (!seen) out.push_back(address);
    }
    ::freeaddrinfo(results);
    return out;
}

std::string host_to_string(const sockaddr* address, socklen_t length) {
    char text[INET6_ADDRSTRLEN] = "?";
    if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(address);
        ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
        return text;
    }
    if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(address);
        if (is_v4_mapped(*a)) {
            ::inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], text, sizeof text);
            return text;
        }
        ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
        return std::string("[") + text + "]";
    }
    if (address->sa_family == AF_UNIX) return "unix";
    return "?";
}

std::string to_string(const sockaddr* address, socklen_t length) {
    unsigned port = 0;
    if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in))
        port = ntohs(reinterpret_cast<const sockaddr_in*>(address)->sin_port);
    else if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6))
        port = ntohs(reinterpret_cast<const sockaddr_in6*>(address)->sin6_port);
    else
        return host_to_string(address, length);
    return host_to_string(address, length) + ":" + std::to_string(port);
}

std::string address_key(const sockaddr* address, socklen_t length) {
    if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(address);
        return std::string(reinterpret_cast<const char*>(&a->sin_addr), 4);
    }
    if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(address);
        const auto* bytes = reinterpret_cast<const char*>(a->sin6_addr.s6_addr);
        return is_v4_mapped(*a) ? std::string(bytes + 12, 4) : std::string(bytes, 16);
    }
    return {};
}

}  // namespace hellod::net
