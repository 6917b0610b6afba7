#include "histogram.hpp"

#include <algorithm>
#include <bit>

namespace hellod_bench {

namespace {

constexpr unsigned kSubBits = 5;
constexpr std::uint64_t kSub = 1u << kSubBits;
constexpr std::size_t kBuckets = 64 * kSub;

std::size_t bucket_of(std::uint64_t v) {
    if (v < kSub) return static_cast<std::size_t>(v);
    const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(v));
    const unsigned shift = msb - kSubBits;
    const std::uint64_t sub = (v >> shift) & (kSub - 1);
    return ((shift + 1) << kSubBits) + sub;
}

std::uint64_t bucket_low(std::size_t b) {
    if (b < kSub) return b;
    const std::size_t shift = (b >> kSubBits) - 1;
    return (kSub + (b & (kSub - 1))) << shift;
}

std::uint64_t bucket_width(std::size_t b) {
    if (b < kSub) return 1;
    return std::uint64_t{1} << ((b >> kSubBits) - 1);
}

}  // namespace

Histogram::Histogram() : buckets_(kBuckets, 0) {}

void Histogram::record(std::int64_t ns) {
    const auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(ns, 0));
    buckets_[std::min(bucket_of(v), kBuckets - 1)]++;
    count_++;
    sum_ += v;
    max_ = std::max(max_, v);
}

void Histogram::clear() {
    std::fill(buckets_.begin(), buckets_.end(), 0);
    count_ = sum_ = max_ = 0;
}

double Histogram::percentile_us(double q) const {
    if (count_ == 0) return 0.0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_));
    rank = std::min(rank, count_ - 1);
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
        seen += buckets_[b];
        if (seen > rank) {
            const double mid =
                static_cast<double>(bucket_low(b)) + static_cast<double>(bucket_width(b) - 1) / 2.0;
            return std::min(mid, static_cast<double>(max_)) / 1000.0;
        }
    }
    return max_us();
}

double Histogram::mean_us() const {
    return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) / 1000.0 : 0.0;
}

}  // namespace hellod_bench
