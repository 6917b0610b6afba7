#pragma once

#include <string>
#include <string_view>

namespace hellod {

// Makes client-supplied bytes safe for a log line: printable ASCII and well-formed UTF-8 pass
// through; backslash and double quote are backslash-escaped; \t \r \n become those escapes;
// other control bytes, C1 controls (U+0080..U+009F), DEL, bytes that are not valid UTF-8, and
// the bytes of the line and paragraph separators (U+2028, U+2029) and the bidirectional controls
// (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) become \xHH. The result never holds a
// byte that a terminal would act on, nor anything that splits or reorders a line on screen.
void append_escaped(std::string& out, std::string_view bytes);
std::string escaped(std::string_view bytes);

// A value quoted for a one-line message to a person: '...' around the text with control bytes
// escaped as above (backslash and double quote left as they are), cut after `max` bytes (marked
// with "...") so that a runaway value cannot swamp the sentence.
std::string quoted_excerpt(std::string_view text, std::size_t max = 60);

// For a line that is our own words around values escaped already: appends `text` with only the
// bytes below 0x20 and DEL escaped (as above). That changes nothing unless a value nobody escaped
// slips in (a file name from the command line, say); then one event still makes one line and no
// control byte reaches a terminal.
void append_one_line(std::string& out, std::string_view text);

}  // namespace hellod
