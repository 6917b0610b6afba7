#include "protocol/options.hpp"

namespace hellod {

std::string_view to_string(Protocol protocol) {
    for (const auto& [name, value] : protocol_names)
        if (value == protocol) return name;
    return "greeting";
}

}  // namespace hellod
