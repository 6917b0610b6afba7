#pragma once

#include <string_view>

// The protocol's fixed lines, shared by every protocol and by the server's refusals.
namespace hellod::protocol {

inline constexpr std::string_view crlf = "\r\n";
inline constexpr std::string_view idle_line = "Error: idle timeout\r\n";
inline constexpr std::string_view shutdown_line = "Error: server shutting down\r\n";
inline constexpr std::string_view busy_line = "Error: server busy, try again later\r\n";

}  // namespace hellod::protocol
