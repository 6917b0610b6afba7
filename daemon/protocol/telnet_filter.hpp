#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include "io/input_filter.hpp"

namespace hellod {

// Removes telnet command sequences (RFC 854) from client input, across read boundaries:
// IAC <cmd> (2 bytes), IAC WILL|WONT|DO|DONT <opt> (3 bytes), IAC SB ... IAC SE (whole);
// IAC IAC yields one literal 0xFF. IAC IP and IAC BRK stop the input (the session ends as on the
// exit command); bytes after them are dropped. It never writes: requests that need an answer
// (IAC DO TIMING-MARK, which telnet sends with ^C and ^O and then holds back all output until
// answered) are counted for the session to answer.
class TelnetFilter final : public InputFilter {
  public:
    Result filter(std::span<char> bytes) override;
    // IAC DO TIMING-MARK requests seen since the last call; each wants an IAC WILL TIMING-MARK.
    unsigned take_timing_marks() noexcept { return std::exchange(timing_marks_, 0u); }

    static constexpr std::string_view will_timing_mark{"\xff\xfb\x06", 3};

  private:
    // One byte of a command sequence (the state is not data); true when it stands for a
    // literal 0xFF of the input (IAC IAC).
    bool command_byte(unsigned char c);

    enum class State : std::uint8_t { data, iac, option, sub, sub_iac, stopped };
    State state_ = State::data;
    std::uint8_t verb_ = 0;  // WILL/WONT/DO/DONT of the option being read
    unsigned timing_marks_ = 0;
};

}  // namespace hellod
