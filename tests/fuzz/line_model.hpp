#pragma once

// A reference model of what the stream's line reader with the telnet filter must make of a whole
// input, written from the contract (docs: protocol.md "Common rules", stream.hpp) rather than
// from the code: one byte at a time, with no buffers and no read boundaries. The fuzz targets
// compare the real stream, fed in pieces through a socket, against it.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/telnet_codes.hpp"

namespace hellod::fuzz {

struct TelnetModel {
    std::string data;                     // the bytes the filter lets through, up to any stop
    bool stopped = false;                 // IAC IP or IAC BRK ended the input
    std::size_t do_timing_marks = 0;      // IAC DO TIMING-MARK requests before the stop
    bool timing_mark_after_stop = false;  // an IAC DO TIMING-MARK somewhere after the stop
};

// RFC 854 as the contract states it: IAC IAC is one 0xFF; IAC WILL|WONT|DO|DONT <opt> is three
// bytes; IAC SB ... IAC SE goes whole (IAC IAC inside is an escaped 255); IAC IP and IAC BRK stop
// the input; IAC <any other command> is two bytes.
inline TelnetModel telnet_model(std::string_view raw) {
    TelnetModel model;
    enum { data, iac, option, sub, sub_iac } state = data;
    unsigned char verb = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const auto c = static_cast<unsigned char>(raw[i]);
        switch (state) {
            case data:
                if (c == telnet::iac) {
                    state = iac;
                } else {
                    model.data.push_back(static_cast<char>(c));
                }
                break;
            case iac:
                state = data;
                if (c == telnet::iac) {
                    model.data.push_back(static_cast<char>(c));
                } else if (c >= telnet::will && c <= telnet::dont) {
                    verb = c;
                    state = option;
                } else if (c == telnet::sb) {
                    state = sub;
                } else if (c == telnet::ip || c == telnet::brk) {
                    model.stopped = true;
                    model.timing_mark_after_stop =
                        raw.substr(i + 1).find("\xff\xfd\x06") != std::string_view::npos;
                    return model;
                }
                break;
            case option:
                if (verb == telnet::do_ && c == telnet::timing_mark) ++model.do_timing_marks;
                state = data;
                break;
            case sub:
                if (c == telnet::iac) state = sub_iac;
                break;
            case sub_iac:
                state = c == telnet::se ? data : sub;
                break;
        }
    }
    return model;
}

struct ModelLine {
    bool too_long = false;
    std::string text;  // without the terminator; empty when too_long
};

struct LineModel {
    std::vector<ModelLine> lines;
    // The input stopped (telnet interrupt) inside a line of more than limit+1 bytes: the stream
    // may have reported it too long before the stop arrived, or not, depending on where the
    // reads ended. Either is right; the line itself is dropped.
    bool optional_too_long = false;
};

// The lines read_line(limit) returns for `data` (already filtered): each ends at "\n", one "\r"
// before it is dropped, a line of more than `limit` bytes is one too_long. At the end of input a
// partial line is a line too (a trailing "\r" dropped); after a stop it is dropped instead.
inline LineModel line_model(std::string_view data, std::size_t limit, bool stopped) {
    LineModel model;
    const auto add = [&](std::string_view line) {
        if (line.ends_with('\r')) line.remove_suffix(1);
        if (line.size() > limit) {
            model.lines.push_back({true, {}});
        } else {
            model.lines.push_back({false, std::string(line)});
        }
    };
    for (;;) {
        const auto nl = data.find('\n');
        if (nl == std::string_view::npos) break;
        add(data.substr(0, nl));
        data.remove_prefix(nl + 1);
    }
    if (data.empty()) return model;
    if (stopped) {
        model.optional_too_long = data.size() > limit + 1;
    } else {
        add(data);
    }
    return model;
}

}  // namespace hellod::fuzz
