#pragma once

// Telnet command and option codes (RFC 854, RFC 860), shared by the filter and by the tests'
// models of it, which are otherwise written apart from the filter on purpose.
namespace hellod::telnet {

inline constexpr unsigned char iac = 255;
inline constexpr unsigned char dont = 254;
inline constexpr unsigned char do_ = 253;
inline constexpr unsigned char wont = 252;
inline constexpr unsigned char will = 251;
inline constexpr unsigned char sb = 250;
inline constexpr unsigned char ip = 244;
inline constexpr unsigned char brk = 243;
inline constexpr unsigned char se = 240;
inline constexpr unsigned char timing_mark = 6;  // RFC 860

}  // namespace hellod::telnet
