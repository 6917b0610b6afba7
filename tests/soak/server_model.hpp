#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hellod_soak {

// The greeting settings the soak runs hellod with, as far as the model needs them.
struct GreetingRules {
    std::string reply_prefix = "Hello, ";  // reply = "Hello, %s!"
    std::string reply_suffix = "!";
    std::string exit_command = "exit";
    std::string farewell = "Bye!";
    std::size_t max_line_bytes = 1024;
};

// What a greeting server sends after its welcome for a given client input, worked out from
// the wire contract (protocol.md) and the choices docs/protocol.md documents, independently of the
// daemon's code: telnet commands removed (RFC 854), lines split at "\n" with one "\r" dropped,
// trimming, empty lines unanswered, the line limit (reported once max-line-bytes + 2 bytes
// of a line are in, the rest of the line skipped), the exit command and IAC IP/BRK (the
// completed lines first, then the farewell, and nothing after), and at end of input the
// partial last line answered.
//
// The output must not depend on how TCP cuts the input into reads. Two inputs would make it
// do so, and the model refuses them (std::logic_error) so that no generator can produce them
// by accident: IAC DO TIMING-MARK (answered between lines, wherever a read ended) and IAC IP
// while the rest of an over-long line is being skipped (whether the error came first depends
// on whether the long part and the interrupt arrived in one read).
class ServerModel {
  public:
    explicit ServerModel(const GreetingRules& rules) : rules_(rules) {}

    void feed(std::string_view client_bytes);
    void end_of_input();  // the client half-closed

    const std::string& output() const { return output_; }
    std::size_t lines() const { return lines_; }  // server lines in output()
    bool finished() const { return finished_; }   // the server has ended the session
    bool skipping_long_line() const { return discarding_; }
    bool in_telnet_command() const { return telnet_ != Telnet::data; }
    std::size_t partial_size() const { return partial_.size(); }

  private:
    enum class Telnet { data, iac, option, sub, sub_iac };

    void byte(char c);
    void data(char c);
    void complete_line(std::string_view line);
    void interrupt();
    void say(std::string_view text);

    GreetingRules rules_;
    Telnet telnet_ = Telnet::data;
    unsigned char verb_ = 0;
    std::string partial_;
    bool discarding_ = false;
    bool finished_ = false;
    std::string output_;
    std::size_t lines_ = 0;
};

// Spaces and tabs off both ends, as the contract trims a line.
std::string_view trim(std::string_view text);

}  // namespace hellod_soak
