#pragma once

#include <string>
#include <string_view>

namespace hellod {

// Appends `bytes` as the inside of a JSON string (RFC 8259), quotes not included. `"` and `\`
// are escaped; control bytes, DEL and C1 controls become \u00XX (\n \r \t their short forms);
// well-formed UTF-8 passes through; every byte that is not part of a well-formed sequence
// becomes \ufffd. The result is always valid UTF-8, so a strict parser never refuses a line.
void append_json_escaped(std::string& out, std::string_view bytes);
std::string json_escaped(std::string_view bytes);

}  // namespace hellod
