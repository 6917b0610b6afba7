#pragma once

#include <cstdint>
#include <vector>

namespace hellod_bench {

// Log-linear latency histogram in nanoseconds: 32 sub-buckets per power of two, so a
// percentile is within about 3 % of the true value, in constant memory whatever the count.
class Histogram {
  public:
    Histogram();

    void record(std::int64_t ns);
    void clear();

    std::uint64_t count() const { return count_; }
    // The value at quantile q (0..1) in microseconds (bucket midpoint, capped at the max).
    double percentile_us(double q) const;
    double max_us() const { return static_cast<double>(max_) / 1000.0; }
    double mean_us() const;

  private:
    std::vector<std::uint64_t> buckets_;
    std::uint64_t count_ = 0;
    std::uint64_t sum_ = 0;
    std::uint64_t max_ = 0;
};

}  // namespace hellod_bench
