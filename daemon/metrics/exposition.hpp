#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace hellod::metrics {

// Prometheus' text exposition format, version 0.0.4: the page GET /metrics answers with.
// Families are written whole (HELP, TYPE, then their samples), once each, as the format wants.
class Exposition {
  public:
    using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

    // type: "counter", "gauge" or "histogram". A counter's name ends in _total.
    void family(std::string_view name, std::string_view type, std::string_view help);
    void sample(std::string_view name, std::uint64_t value, Labels labels = {});
    void sample(std::string_view name, double value, Labels labels = {});

    // A whole histogram family. `counts` holds one count per bucket, not cumulative: one for
    // each upper bound, then the count above the last one (+Inf).
    void histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
                   std::span<const std::uint64_t> counts, double sum);

    const std::string& text() const noexcept { return text_; }
    std::string take() noexcept { return std::move(text_); }

  private:
    void labels(Labels labels, std::string_view extra_name = {}, std::string_view extra = {});
    std::string text_;
};

// A label value as the format wants it between double quotes: \, " and newline escaped.
std::string escape_label_value(std::string_view value);

// A sample value: integers exactly, others in the shortest form that reads back the same,
// and +Inf, -Inf and NaN as Prometheus spells them.
std::string format_value(double value);

}  // namespace hellod::metrics
