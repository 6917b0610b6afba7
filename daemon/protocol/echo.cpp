#include "protocol/echo.hpp"

#include "protocol/fixed_lines.hpp"

namespace hellod::protocol {

SessionResult run_echo(Stream& stream) {
    stream.set_input_filter(nullptr);  // binary-safe: 0xFF is data here, not telnet
    for (;;) {
        // What one read returns goes straight back; the stream flushes it before the next
        // blocking read, so a client that stops reading blocks us in the write, where the
        // write timeout applies.
        const Stream::Line chunk = stream.read_some(stream.read_buffer_size());
        switch (chunk.status) {
            case Stream::Status::ok:
                if (stream.write(chunk.text) != Stream::Status::ok)
                    return {EndReason::error, 0, stream.error_text()};
                break;
            case Stream::Status::eof:
                return {EndReason::eof, 0, {}};
            case Stream::Status::timeout:
                stream.write(idle_line);
                return {EndReason::idle, 0, {}};
            case Stream::Status::cancelled:
                stream.write(shutdown_line);
                return {EndReason::shutdown, 0, {}};
            case Stream::Status::too_long:     // read_some never reports these two
            case Stream::Status::interrupted:  // without a filter
            case Stream::Status::error:
                return {EndReason::error, 0, stream.error_text()};
        }
    }
}

}  // namespace hellod::protocol
