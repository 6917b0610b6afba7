#include "server_model.hpp"

#include <stdexcept>

#include "protocol/telnet_codes.hpp"

namespace hellod_soak {

namespace telnet = hellod::telnet;

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

void ServerModel::feed(std::string_view client_bytes) {
    for (const char c : client_bytes) {
        if (finished_) return;  // nothing after the exit command or an interrupt is read
        byte(c);
    }
}

void ServerModel::byte(char c) {
    const auto u = static_cast<unsigned char>(c);
    switch (telnet_) {
        case Telnet::data:
            if (u == telnet::iac) {
                telnet_ = Telnet::iac;
            } else {
                data(c);
            }
            return;
        case Telnet::iac:
            telnet_ = Telnet::data;
            if (u == telnet::iac) {
                data(c);  // IAC IAC: one literal 0xFF
            } else if (u >= telnet::will && u <= telnet::dont) {
                verb_ = u;
                telnet_ = Telnet::option;
            } else if (u == telnet::sb) {
                telnet_ = Telnet::sub;
            } else if (u == telnet::ip || u == telnet::brk) {
                interrupt();
            }
            return;  // any other command: dropped
        case Telnet::option:
            if (verb_ == telnet::do_ && u == telnet::timing_mark)
                throw std::logic_error("IAC DO TIMING-MARK: its answer's place depends on reads");
            telnet_ = Telnet::data;
            return;
        case Telnet::sub:
            if (u == telnet::iac) telnet_ = Telnet::sub_iac;
            return;
        case Telnet::sub_iac:
            telnet_ = u == telnet::se ? Telnet::data : Telnet::sub;
            return;
    }
}

void ServerModel::data(char c) {
    if (c == '\n') {
        if (discarding_) {
            discarding_ = false;
        } else {
            std::string_view line = partial_;
            if (line.ends_with('\r')) line.remove_suffix(1);
            complete_line(line);
        }
        partial_.clear();
        return;
    }
    if (discarding_) return;
    partial_ += c;
    // max-line-bytes + 1 may still be a valid line plus its "\r"; one more byte cannot be.
    if (partial_.size() > rules_.max_line_bytes + 1) {
        partial_.clear();
        discarding_ = true;
        say("Error: line too long (limit " + std::to_string(rules_.max_line_bytes) + " bytes)");
    }
}

void ServerModel::complete_line(std::string_view line) {
    if (line.size() > rules_.max_line_bytes) {
        say("Error: line too long (limit " + std::to_string(rules_.max_line_bytes) + " bytes)");
        return;
    }
    const std::string_view text = trim(line);
    if (text.empty()) return;
    if (text == rules_.exit_command) {
        say(rules_.farewell);
        finished_ = true;
        return;
    }
    say(rules_.reply_prefix + std::string(text) + rules_.reply_suffix);
}

void ServerModel::interrupt() {
    if (discarding_)
        throw std::logic_error("IAC IP inside an over-long line: the error may or may not come");
    partial_.clear();  // like Ctrl-C in a shell: the line being typed is dropped
    say(rules_.farewell);
    finished_ = true;
}

void ServerModel::end_of_input() {
    if (finished_) return;
    finished_ = true;
    if (discarding_ || partial_.empty()) return;
    std::string_view line = partial_;
    if (line.ends_with('\r')) line.remove_suffix(1);
    complete_line(line);
}

void ServerModel::say(std::string_view text) {
    output_ += text;
    output_ += "\r\n";
    ++lines_;
}

}  // namespace hellod_soak
