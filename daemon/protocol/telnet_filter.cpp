#include "protocol/telnet_filter.hpp"

#include <cstring>

#include "protocol/telnet_codes.hpp"

namespace hellod {

namespace {

bool holds_do_timing_mark(const char* data, std::size_t size) {
    static constexpr char sequence[] = {static_cast<char>(telnet::iac),
                                        static_cast<char>(telnet::do_),
                                        static_cast<char>(telnet::timing_mark)};
    return ::memmem(data, size, sequence, sizeof sequence) != nullptr;
}

}  // namespace

InputFilter::Result TelnetFilter::filter(std::span<char> bytes) {
    if (state_ == State::stopped) return {0, true};
    char* const data = bytes.data();
    const std::size_t size = bytes.size();
    // Almost all input is plain text: one memchr and no copying.
    if (state_ == State::data && (size == 0 || std::memchr(data, telnet::iac, size) == nullptr)) {
        return {size, false};
    }

    std::size_t out = 0;
    std::size_t i = 0;
    while (i < size) {
        if (state_ == State::data) {
            // Move the whole run of plain bytes up to the next IAC at once.
            const void* found = std::memchr(data + i, telnet::iac, size - i);
            const std::size_t stop =
                found ? static_cast<std::size_t>(static_cast<const char*>(found) - data) : size;
            if (out != i) std::memmove(data + out, data + i, stop - i);
            out += stop - i;
            i = stop;
            if (i == size) break;
            state_ = State::iac;
            ++i;
            continue;
        }
        if (command_byte(static_cast<unsigned char>(data[i++])))
            data[out++] = static_cast<char>(telnet::iac);
        if (state_ == State::stopped) {
            // telnet sends IAC DO TIMING-MARK right behind its interrupt and discards our output
            // until it is answered: note it, or the user never sees the farewell.
            if (holds_do_timing_mark(data + i, size - i)) ++timing_marks_;
            return {out, true};
        }
    }
    return {out, false};
}

bool TelnetFilter::command_byte(unsigned char c) {
    switch (state_) {
        case State::iac:
            if (c == telnet::iac) {
                state_ = State::data;
                return true;
            }
            if (c >= telnet::will && c <= telnet::dont) {
                verb_ = c;
                state_ = State::option;
            } else if (c == telnet::sb) {
                state_ = State::sub;
            } else {
                state_ = c == telnet::ip || c == telnet::brk ? State::stopped : State::data;
            }
            break;
        case State::option:
            if (verb_ == telnet::do_ && c == telnet::timing_mark) ++timing_marks_;
            state_ = State::data;
            break;
        case State::sub:
            if (c == telnet::iac) state_ = State::sub_iac;
            break;
        case State::sub_iac:
            // IAC IAC is an escaped 255 inside the negotiation; only IAC SE ends it.
            state_ = c == telnet::se ? State::data : State::sub;
            break;
        case State::data:
        case State::stopped:
            break;  // filter() handles these
    }
    return false;
}

}  // namespace hellod
