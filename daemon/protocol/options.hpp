#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "protocol/greeting.hpp"

namespace hellod {

enum class Protocol { greeting, echo, timestamp };
enum class Framing { line, raw };

// The names settings use for them.
inline constexpr std::array<std::pair<std::string_view, Protocol>, 3> protocol_names{{
    {"greeting", Protocol::greeting},
    {"echo", Protocol::echo},
    {"timestamp", Protocol::timestamp},
}};
inline constexpr std::array<std::pair<std::string_view, Framing>, 2> framing_names{{
    {"line", Framing::line},
    {"raw", Framing::raw},
}};
std::string_view to_string(Protocol protocol);

namespace protocol {

// What a protocol needs to know of the settings: what a session says, and how it reads.
struct Options {
    Protocol protocol = Protocol::greeting;
    Framing framing = Framing::line;
    std::string welcome = "Welcome!";  // empty = none
    ReplyTemplate reply;
    std::string exit_command = "exit";  // empty = none
    std::string farewell = "Bye!";      // empty = none
    std::size_t max_line_bytes = 1024;
    // This machine's name, for %h in the welcome and the reply; read with the settings. Not a
    // setting: it never makes two settings differ.
    struct HostName {
        std::string value;
        bool operator==(const HostName&) const noexcept { return true; }
    };
    HostName host;

    bool operator==(const Options&) const = default;
};

}  // namespace protocol
}  // namespace hellod
