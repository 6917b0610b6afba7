// Fuzz target: the stream's line reader (read_line, or read_some as raw framing uses it) with the
// telnet filter, reading a real socket, checked against the reference model in line_model.hpp.
//
// Input: [flags] [limit: 2 bytes] [piece size] [piece seed] then the bytes the client sends.
//   flags bit 0: the telnet filter is on; bit 1: read_some (raw framing) instead of read_line;
//   bits 2-4: the stream's read_buffer (the daemon's 4096, and odd sizes down to 1 byte).
//   The client's bytes go through the socket in pieces (piece size 0: all at once, else pieces
//   of 1 to 2^(size % 13) bytes, lengths drawn from the seed), and the stream reads all it can
//   between pieces, so read boundaries fall wherever the input says: inside a telnet command,
//   between "\r" and "\n", right at the limit.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "io/stream.hpp"
#include "line_model.hpp"
#include "net/socket_transport.hpp"
#include "protocol/telnet_filter.hpp"
#include "socket_pair.hpp"

namespace hellod::fuzz {
namespace {

using Status = Stream::Status;

constexpr std::size_t kReadBuffers[] = {4096, 512, 1, 2, 3, 16, 100, 1000};

struct Got {
    Status status;
    std::string text;
};

class Reader {
  public:
    Reader(Stream& stream, TelnetFilter* telnet, bool raw, std::size_t limit)
        : stream_(stream), telnet_(telnet), raw_(raw), limit_(limit) {}

    // Reads until the stream needs input that has not been sent yet (true), or until the input
    // ended (false).
    bool read_all_sent() {
        for (;;) {
            const Status status = next();
            if (status == Status::timeout) return true;
            if (status == Status::eof || status == Status::interrupted) return false;
        }
    }

    Status next() {
        const Stream::Line line = raw_ ? stream_.read_some(limit_) : stream_.read_line(limit_);
        if (telnet_ != nullptr) timing_marks_ += telnet_->take_timing_marks();
        const std::size_t bound = std::max(stream_.read_buffer_size(), limit_ + 2);
        FUZZ_CHECK(stream_.buffer_capacity() <= bound,
                   "the read buffer holds " + std::to_string(stream_.buffer_capacity()) +
                       " bytes, more than max(read_buffer, limit + 2) = " + std::to_string(bound));
        switch (line.status) {
            case Status::ok:
                FUZZ_CHECK(line.text.size() <= limit_, visible(line.text));
                if (raw_) {
                    FUZZ_CHECK(!line.text.empty(), "read_some returned an empty chunk");
                } else {
                    FUZZ_CHECK(line.text.find('\n') == std::string_view::npos, visible(line.text));
                }
                got_.push_back({line.status, std::string(line.text)});
                break;
            case Status::too_long:
                FUZZ_CHECK(!raw_, "read_some reported too_long");
                got_.push_back({line.status, {}});
                break;
            case Status::timeout:  // the non-blocking socket is empty: see LLVMFuzzerTestOneInput
            case Status::eof:
            case Status::interrupted:
                break;
            case Status::cancelled:
            case Status::error:
                FUZZ_CHECK(false, "status " + std::to_string(static_cast<int>(line.status)) +
                                      ", errno " + std::to_string(stream_.error_number()));
        }
        return line.status;
    }

    const std::vector<Got>& got() const noexcept { return got_; }
    std::size_t timing_marks() const noexcept { return timing_marks_; }

  private:
    Stream& stream_;
    TelnetFilter* telnet_;
    bool raw_;
    std::size_t limit_;
    std::vector<Got> got_;
    std::size_t timing_marks_ = 0;
};

// Piece lengths from a small linear congruential generator: deterministic for one input, and a
// one-byte change to the seed moves every boundary.
class Pieces {
  public:
    Pieces(std::uint8_t size, std::uint8_t seed)
        : max_(size == 0 ? 0 : std::size_t{1} << (size % 13)), state_(seed) {}
    std::size_t next() {
        if (max_ == 0) return static_cast<std::size_t>(-1);
        state_ = state_ * 1103515245u + 12345u;
        return 1 + (state_ >> 16) % max_;
    }

  private:
    std::size_t max_;
    std::uint32_t state_;
};

void check_lines(const Reader& reader, const TelnetModel& telnet, std::size_t limit) {
    const LineModel model = line_model(telnet.data, limit, telnet.stopped);
    const auto& got = reader.got();
    const bool late_too_long = model.optional_too_long && got.size() == model.lines.size() + 1 &&
                               got.back().status == Status::too_long;
    FUZZ_CHECK(got.size() == model.lines.size() || late_too_long,
               "got " + std::to_string(got.size()) + " lines, the model " +
                   std::to_string(model.lines.size()));
    for (std::size_t i = 0; i < model.lines.size(); ++i) {
        const ModelLine& want = model.lines[i];
        const std::string where = "line " + std::to_string(i) + ": ";
        FUZZ_CHECK((got[i].status == Status::too_long) == want.too_long,
                   where + (want.too_long ? "should be too long" : "should not be too long"));
        FUZZ_CHECK(got[i].text == want.text, where + "got \"" + visible(got[i].text) +
                                                 "\", want \"" + visible(want.text) + '"');
    }
}

void check_chunks(const Reader& reader, const TelnetModel& telnet) {
    std::string joined;
    for (const Got& chunk : reader.got())
        joined += chunk.text;
    FUZZ_CHECK(joined == telnet.data,
               "chunks \"" + visible(joined) + "\", want \"" + visible(telnet.data) + '"');
}

}  // namespace
}  // namespace hellod::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace hellod;
    using namespace hellod::fuzz;
    FuzzInput input(data, size);
    const std::uint8_t flags = input.byte();
    const bool telnet_on = (flags & 1) != 0;
    const bool raw = (flags & 2) != 0;
    const std::size_t read_buffer = kReadBuffers[(flags >> 2) & 7];
    const std::size_t limit = input.limit();
    const std::uint8_t piece_size = input.byte();
    Pieces pieces(piece_size, input.byte());
    const std::string_view payload = input.rest();

    // The server end does not block: once the stream has read every piece sent so far, its next
    // read finds the socket empty and reports timeout, and the target sends the next piece. A read
    // that finds nothing changes nothing the stream reads next (fill() returns before touching
    // the buffer), so the stream returns what a blocking socket receiving the pieces one by one
    // would give it, on one thread and without waiting.
    SocketPair pair;
    SocketPair::set_nonblocking(pair.server());
    SocketPair::set_nonblocking(pair.client());
    Stream::Options options;
    options.read_buffer = read_buffer;
    net::SocketTransport transport(pair.server());
    Stream stream(transport, options);
    TelnetFilter telnet;
    if (telnet_on) stream.set_input_filter(&telnet);
    Reader reader(stream, telnet_on ? &telnet : nullptr, raw, limit);

    std::string_view unsent = payload;
    bool reading = true;
    while (reading && !unsent.empty()) {
        std::string_view piece = unsent.substr(0, pieces.next());
        unsent.remove_prefix(piece.size());
        while (reading && !piece.empty()) {
            const std::size_t sent = pair.send_some(piece);
            piece.remove_prefix(sent);
            const std::size_t before = stream.bytes_in();
            reading = reader.read_all_sent();
            FUZZ_CHECK(sent > 0 || !reading || stream.bytes_in() > before,
                       "the socket is full but the stream reads nothing");
        }
    }
    pair.end_input();
    while (reading) {
        const Status last = reader.next();
        FUZZ_CHECK(last != Status::timeout, "a read timed out after the end of the input");
        reading = last != Status::eof && last != Status::interrupted;
    }

    TelnetModel model;
    if (telnet_on) {
        model = telnet_model(payload);
    } else {
        model.data = payload;
    }
    // Interrupted after a stop, else eof; and it stays that way.
    const Status end = model.stopped ? Status::interrupted : Status::eof;
    FUZZ_CHECK(reader.next() == end, model.stopped ? "not interrupted" : "not eof");
    FUZZ_CHECK(reader.next() == end, "the end of input did not last");
    FUZZ_CHECK(stream.bytes_in() <= payload.size(), "more bytes in than sent");
    if (!model.stopped) FUZZ_CHECK(stream.bytes_in() == payload.size(), "input left unread");

    if (raw) {
        check_chunks(reader, model);
    } else {
        check_lines(reader, model, limit);
    }
    const std::size_t most = model.do_timing_marks + (model.timing_mark_after_stop ? 1 : 0);
    FUZZ_CHECK(reader.timing_marks() >= model.do_timing_marks && reader.timing_marks() <= most,
               "timing marks: " + std::to_string(reader.timing_marks()) + ", model " +
                   std::to_string(model.do_timing_marks));
    return 0;
}
