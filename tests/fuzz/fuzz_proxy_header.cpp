// Fuzz target: the PROXY protocol header parser (net/proxy_header.hpp), checked against the
// reference model in proxy_header_model.hpp, and against what the contract says of any input:
//   - incomplete asks for more than it has and at most a whole v2 header; nothing changes before
//     `needed` bytes are there;
//   - local and proxied take at most the bytes given, every shorter prefix of the header is
//     incomplete, and bytes after it change nothing;
//   - invalid stays the same error whatever follows;
//   - a proxied result, written again as a v1 line and as a v2 header, reads back the same.
// Each parse gets a heap copy of exactly its bytes, so that ASan sees any read past them.
//
// Input: the bytes a client sends first, as is.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "net/proxy_header.hpp"
#include "proxy_header_model.hpp"

namespace hellod::fuzz {
namespace {

using net::ProxyHeader;
using Status = ProxyHeader::Status;

// Every prefix up to this size is parsed; beyond it only the ones `needed` and `length` point at,
// so a long input costs a handful of parses rather than thousands.
constexpr std::size_t kEveryPrefixUpTo = 300;

ProxyHeader parse(std::string_view bytes) {
    const auto copy = std::make_unique_for_overwrite<char[]>(bytes.size());
    std::copy(bytes.begin(), bytes.end(), copy.get());
    return net::parse_proxy_header(std::span<const char>(copy.get(), bytes.size()));
}

const char* status_name(Status status) {
    switch (status) {
        case Status::incomplete:
            return "incomplete";
        case Status::invalid:
            return "invalid";
        case Status::local:
            return "local";
        case Status::proxied:
            return "proxied";
    }
    return "?";
}

// "AF_INET 192.0.2.7 51234", or what is odd about the address.
std::string describe(const net::SocketAddress& address) {
    char text[INET6_ADDRSTRLEN] = {};
    if (address.length == 0) return "none";
    if (address.family() == AF_INET && address.length == sizeof(sockaddr_in)) {
        sockaddr_in in{};
        std::memcpy(&in, &address.storage, sizeof in);
        ::inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
        return std::string("AF_INET ") + text + " " + std::to_string(ntohs(in.sin_port));
    }
    if (address.family() == AF_INET6 && address.length == sizeof(sockaddr_in6)) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, &address.storage, sizeof in6);
        ::inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
        return std::string("AF_INET6 ") + text + " " + std::to_string(ntohs(in6.sin6_port));
    }
    return "family " + std::to_string(address.family()) + " with length " +
           std::to_string(address.length);
}

std::string describe(const ProxyHeader& header) {
    std::string out = std::string(status_name(header.status)) + " v" +
                      std::to_string(header.version) + " needed " + std::to_string(header.needed) +
                      " length " + std::to_string(header.length);
    if (header.local_command) out += " LOCAL";
    if (!header.error.empty()) out += " \"" + std::string(header.error) + '"';
    if (header.status == Status::proxied)
        out += " from " + describe(header.source) + " to " + describe(header.destination);
    return out;
}

std::string describe(const ModelHeader& model) {
    static constexpr const char* kKinds[] = {"incomplete", "invalid", "local", "proxied"};
    std::string out = std::string(kKinds[static_cast<int>(model.kind)]) + " v" +
                      std::to_string(model.version) + " needed " + std::to_string(model.needed) +
                      " length " + std::to_string(model.length);
    if (model.local_command) out += " LOCAL";
    if (!model.error.empty()) out += " \"" + model.error + '"';
    if (model.kind == ModelHeader::Kind::proxied)
        out += " from " + visible(model.source_address) + " " + std::to_string(model.source_port) +
               " to " + visible(model.destination_address) + " " +
               std::to_string(model.destination_port);
    return out;
}

bool same_address(const net::SocketAddress& a, const net::SocketAddress& b) {
    return a.length == b.length && std::memcmp(&a.storage, &b.storage, sizeof a.storage) == 0;
}

bool same(const ProxyHeader& a, const ProxyHeader& b) {
    return a.status == b.status && a.version == b.version && a.local_command == b.local_command &&
           a.length == b.length && a.needed == b.needed && a.error == b.error &&
           same_address(a.source, b.source) && same_address(a.destination, b.destination);
}

// The sockaddr the model's address bytes and port make.
bool matches(const net::SocketAddress& got, const std::string& address, unsigned port) {
    if (address.size() == 4) {
        sockaddr_in in{};
        if (got.family() != AF_INET || got.length != sizeof in) return false;
        std::memcpy(&in, &got.storage, sizeof in);
        return std::memcmp(&in.sin_addr, address.data(), 4) == 0 && ntohs(in.sin_port) == port;
    }
    sockaddr_in6 in6{};
    if (got.family() != AF_INET6 || got.length != sizeof in6) return false;
    std::memcpy(&in6, &got.storage, sizeof in6);
    return std::memcmp(&in6.sin6_addr, address.data(), 16) == 0 && ntohs(in6.sin6_port) == port;
}

void check_against_model(const ProxyHeader& got, std::string_view input) {
    const ModelHeader want = proxy_header_model(input);
    const auto detail = [&] {
        return visible(input) + "\n  got:   " + describe(got) + "\n  model: " + describe(want);
    };
    FUZZ_CHECK(static_cast<int>(got.status) == static_cast<int>(want.kind), detail());
    FUZZ_CHECK(got.version == want.version, detail());
    switch (got.status) {
        case Status::incomplete:
            FUZZ_CHECK(got.needed == want.needed, detail());
            break;
        case Status::invalid:
            FUZZ_CHECK(got.error == want.error, detail());
            break;
        case Status::local:
            FUZZ_CHECK(got.length == want.length, detail());
            FUZZ_CHECK(got.local_command == want.local_command, detail());
            break;
        case Status::proxied:
            FUZZ_CHECK(got.length == want.length, detail());
            FUZZ_CHECK(matches(got.source, want.source_address, want.source_port), detail());
            FUZZ_CHECK(matches(got.destination, want.destination_address, want.destination_port),
                       detail());
            break;
    }
}

// What holds of one result whatever the input.
void check_shape(const ProxyHeader& got, std::string_view input) {
    const auto detail = [&] { return visible(input) + "\n  got: " + describe(got); };
    FUZZ_CHECK(got.version >= 0 && got.version <= 2, detail());
    switch (got.status) {
        case Status::incomplete:
            FUZZ_CHECK(got.needed > input.size(), detail());
            FUZZ_CHECK(got.needed <= net::proxy_v2_max, detail());
            FUZZ_CHECK(got.length == 0 && got.error.empty(), detail());
            break;
        case Status::invalid:
            FUZZ_CHECK(!got.error.empty() && got.length == 0 && got.needed == 0, detail());
            for (const char c : got.error)
                FUZZ_CHECK(c >= 0x20 && c < 0x7f, detail());
            break;
        case Status::local:
        case Status::proxied:
            FUZZ_CHECK(got.version != 0 && got.error.empty(), detail());
            FUZZ_CHECK(got.length > 0 && got.length <= input.size(), detail());
            FUZZ_CHECK(got.length <= (got.version == 1 ? net::proxy_v1_max : net::proxy_v2_max),
                       detail());
            break;
    }
    FUZZ_CHECK(!got.local_command || (got.status == Status::local && got.version == 2), detail());
    if (got.status == Status::proxied) {
        FUZZ_CHECK(got.source.family() == AF_INET || got.source.family() == AF_INET6, detail());
        FUZZ_CHECK(got.destination.family() == got.source.family(), detail());
    } else {
        FUZZ_CHECK(got.source.length == 0 && got.destination.length == 0, detail());
    }
}

// The prefix of `size` bytes against the whole input's result.
void check_prefix(std::string_view input, std::size_t size, const ProxyHeader& whole) {
    const ProxyHeader got = parse(input.substr(0, size));
    const auto detail = [&] {
        return visible(input) + "\n  prefix of " + std::to_string(size) + ": " + describe(got) +
               "\n  whole: " + describe(whole);
    };
    check_shape(got, input.substr(0, size));
    const bool complete = whole.status == Status::local || whole.status == Status::proxied;
    if (complete && size < whole.length) {
        FUZZ_CHECK(got.status == Status::incomplete && got.needed <= whole.length, detail());
    } else if (complete) {
        FUZZ_CHECK(same(got, whole), detail());
    } else if (got.status == Status::invalid) {
        FUZZ_CHECK(same(got, whole), detail());  // an error, once seen, is final
    } else {
        FUZZ_CHECK(got.status == Status::incomplete, detail());
    }
    // Nothing changes before `needed`: the size just short of it gives the same answer.
    if (got.status == Status::incomplete && got.needed - 1 > size &&
        got.needed - 1 <= input.size()) {
        const ProxyHeader before = parse(input.substr(0, got.needed - 1));
        FUZZ_CHECK(same(before, got), detail() + "\n  at needed - 1: " + describe(before));
    }
}

void check_prefixes(std::string_view input, const ProxyHeader& whole) {
    const std::size_t every = std::min(input.size(), kEveryPrefixUpTo);
    for (std::size_t size = 0; size < every; ++size)
        check_prefix(input, size, whole);
    // Past that, the chain of `needed` a caller reading ever more would follow, and the sizes
    // around the header's end.
    std::size_t size = every;
    for (int steps = 0; steps < 8 && size < input.size(); ++steps) {
        check_prefix(input, size, whole);
        const ProxyHeader got = parse(input.substr(0, size));
        if (got.status != Status::incomplete) break;
        size = got.needed;
    }
    if (whole.length > every) {
        check_prefix(input, whole.length - 1, whole);
        check_prefix(input, whole.length, whole);
    }
}

void check_suffixes(std::string_view input, const ProxyHeader& whole) {
    if (whole.status == Status::incomplete) return;
    for (const std::string_view more :
         {std::string_view("\r\n"), std::string_view("\0", 1), std::string_view("PROXY "), input}) {
        const std::string longer = std::string(input) + std::string(more);
        const ProxyHeader got = parse(longer);
        FUZZ_CHECK(same(got, whole), visible(longer) + "\n  got:   " + describe(got) +
                                         "\n  alone: " + describe(whole));
    }
}

std::string port_bytes(unsigned port) {
    return {static_cast<char>((port >> 8) & 0xff), static_cast<char>(port & 0xff)};
}

// A proxied result written out again, as haproxy would (inet_ntop's text in a v1 line; the raw
// bytes in a v2 header with TCP), reads back as the same two addresses.
void check_round_trip(const ProxyHeader& got, std::string_view input) {
    if (got.status != Status::proxied) return;
    const bool v4 = got.source.family() == AF_INET;
    char source_text[INET6_ADDRSTRLEN] = {};
    char destination_text[INET6_ADDRSTRLEN] = {};
    std::string block;
    unsigned ports[2] = {};
    for (int i = 0; i < 2; ++i) {
        const net::SocketAddress& address = i == 0 ? got.source : got.destination;
        char* text = i == 0 ? source_text : destination_text;
        if (v4) {
            sockaddr_in in{};
            std::memcpy(&in, &address.storage, sizeof in);
            ::inet_ntop(AF_INET, &in.sin_addr, text, INET6_ADDRSTRLEN);
            block.append(reinterpret_cast<const char*>(&in.sin_addr), 4);
            ports[i] = ntohs(in.sin_port);
        } else {
            sockaddr_in6 in6{};
            std::memcpy(&in6, &address.storage, sizeof in6);
            ::inet_ntop(AF_INET6, &in6.sin6_addr, text, INET6_ADDRSTRLEN);
            block.append(reinterpret_cast<const char*>(&in6.sin6_addr), 16);
            ports[i] = ntohs(in6.sin6_port);
        }
    }
    block += port_bytes(ports[0]) + port_bytes(ports[1]);

    const std::string line = std::string("PROXY ") + (v4 ? "TCP4 " : "TCP6 ") + source_text + " " +
                             destination_text + " " + std::to_string(ports[0]) + " " +
                             std::to_string(ports[1]) + "\r\n";
    std::string binary("\r\n\r\n\0\r\nQUIT\n\x21", 13);
    binary += v4 ? '\x11' : '\x21';
    binary += port_bytes(static_cast<unsigned>(block.size())) + block;

    for (const std::string& again : {line, binary}) {
        const ProxyHeader back = parse(again);
        const auto detail = [&] {
            return visible(input) + "\n  read:  " + describe(got) + "\n  again: " + visible(again) +
                   "\n  back:  " + describe(back);
        };
        FUZZ_CHECK(back.status == Status::proxied && back.length == again.size(), detail());
        FUZZ_CHECK(same_address(back.source, got.source), detail());
        FUZZ_CHECK(same_address(back.destination, got.destination), detail());
    }
}

}  // namespace
}  // namespace hellod::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace hellod::fuzz;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const hellod::net::ProxyHeader whole = parse(input);
    check_shape(whole, input);
    check_against_model(whole, input);
    check_prefixes(input, whole);
    check_suffixes(input, whole);
    check_round_trip(whole, input);
    return 0;
}
