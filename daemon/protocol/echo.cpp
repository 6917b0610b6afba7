#include "protocol/echo.hpp"

#include <string>
#include <string_view>
#include <utility>

#include "protocol/fixed_lines.hpp"
#include "protocol/probe_marker.hpp"

namespace hellod::protocol {
namespace {

// Whether all a session received is exactly `expected`, fed as it comes; one comparison per
// read until the first difference, then none.
class ExactInput {
  public:
    explicit ExactInput(std::string_view expected) noexcept : rest_(expected) {}
    void take(std::string_view bytes) noexcept {
        if (!matching_) return;
        matching_ = rest_.starts_with(bytes);
        if (matching_) rest_.remove_prefix(bytes.size());
    }
    bool matched() const noexcept { return matching_ && rest_.empty(); }

  private:
    std::string_view rest_;
    bool matching_ = true;
};

}  // namespace

SessionResult run_echo(Stream& stream) {
    stream.set_input_filter(nullptr);  // binary-safe: 0xFF is data here, not telnet
    // A probe session sends the probe's payload and nothing else (echo has no lines to mark).
    ExactInput probe(probe_echo_payload);
    const auto end = [&probe](EndReason reason, std::string detail = {}) {
        SessionResult result{reason, 0, std::move(detail)};
        result.probe = probe.matched();
        return result;
    };
    for (;;) {
        // What one read returns goes straight back; the stream flushes it before the next
        // blocking read, so a client that stops reading blocks us in the write, where the
        // write timeout applies.
        const Stream::Line chunk = stream.read_some(stream.read_buffer_size());
        switch (chunk.status) {
            case Stream::Status::ok:
                probe.take(chunk.text);
                if (stream.write(chunk.text) != Stream::Status::ok)
                    return end(EndReason::error, stream.error_text());
                break;
            case Stream::Status::eof:
                return end(EndReason::eof);
            case Stream::Status::timeout:
                stream.write(idle_line);
                return end(EndReason::idle);
            case Stream::Status::cancelled:
                stream.write(shutdown_line);
                return end(EndReason::shutdown);
            case Stream::Status::too_long:     // read_some never reports these two
            case Stream::Status::interrupted:  // without a filter
            case Stream::Status::error:
                return end(EndReason::error, stream.error_text());
        }
    }
}

}  // namespace hellod::protocol
