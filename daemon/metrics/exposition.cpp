#include "metrics/exposition.hpp"

#include <charconv>
#include <cmath>

namespace hellod::metrics {

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string format_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

namespace {

// HELP text escapes only \ and newline.
std::string escape_help(std::string_view help) {
    std::string out;
    for (const char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

void Exposition::family(std::string_view name, std::string_view type, std::string_view help) {
    text_.append("# HELP ").append(name).append(" ").append(escape_help(help)).append("\n");
    text_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Exposition::labels(Labels labels, std::string_view extra_name, std::string_view extra) {
    if (labels.size() == 0 && extra_name.empty()) return;
    text_ += '{';
    bool first = true;
    const auto one = [&](std::string_view name, std::string_view value) {
        if (!first) text_ += ',';
        first = false;
        text_.append(name).append("=\"").append(escape_label_value(value)).append("\"");
    };
    for (const auto& [name, value] : labels)
        one(name, value);
    if (!extra_name.empty()) one(extra_name, extra);
    text_ += '}';
}

void Exposition::sample(std::string_view name, std::uint64_t value, Labels labels) {
    text_.append(name);
    this->labels(labels);
    text_.append(" ").append(std::to_string(value)).append("\n");
}

void Exposition::sample(std::string_view name, double value, Labels labels) {
    text_.append(name);
    this->labels(labels);
    text_.append(" ").append(format_value(value)).append("\n");
}

void Exposition::histogram(std::string_view name, std::string_view help,
                           std::span<const double> bounds, std::span<const std::uint64_t> counts,
                           double sum) {
    family(name, "histogram", help);
    const std::string base(name);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
        cumulative += i < counts.size() ? counts[i] : 0;
        const std::string le = i < bounds.size() ? format_value(bounds[i]) : std::string("+Inf");
        text_.append(base).append("_bucket");
        labels({}, "le", le);
        text_.append(" ").append(std::to_string(cumulative)).append("\n");
    }
    text_.append(base).append("_sum ").append(format_value(sum)).append("\n");
    text_.append(base).append("_count ").append(std::to_string(cumulative)).append("\n");
}

}  // namespace hellod::metrics
