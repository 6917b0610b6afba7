// Prometheus' text exposition format, as promtool and Prometheus read it.
#include "metrics/exposition.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>

namespace hellod::metrics {
namespace {

TEST(Exposition, FamilyThenSamples) {
    Exposition page;
    page.family("hellod_things_total", "counter", "Things.");
    page.sample("hellod_things_total", std::uint64_t{3}, {{"kind", "a"}});
    page.sample("hellod_things_total", std::uint64_t{18446744073709551615u}, {{"kind", "b"}});
    EXPECT_EQ(page.text(),
              "# HELP hellod_things_total Things.\n"
              "# TYPE hellod_things_total counter\n"
              "hellod_things_total{kind=\"a\"} 3\n"
              "hellod_things_total{kind=\"b\"} 18446744073709551615\n");
}

TEST(Exposition, SeveralLabelsAndNone) {
    Exposition page;
    page.sample("x", 1.5, {{"a", "1"}, {"b", "2"}});
    page.sample("y", 0.0);
    EXPECT_EQ(page.text(), "x{a=\"1\",b=\"2\"} 1.5\ny 0\n");
}

TEST(Exposition, LabelValuesAreEscaped) {
    EXPECT_EQ(escape_label_value("plain 1.0"), "plain 1.0");
    EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    Exposition page;
    page.sample("v", std::uint64_t{1}, {{"version", "1\"2"}});
    EXPECT_EQ(page.text(), "v{version=\"1\\\"2\"} 1\n");
}

TEST(Exposition, HelpEscapesBackslashAndNewlineOnly) {
    Exposition page;
    page.family("h", "gauge", "a \"b\" \\ c\nd");
    EXPECT_EQ(page.text(), "# HELP h a \"b\" \\\\ c\\nd\n# TYPE h gauge\n");
}

TEST(Exposition, ValuesReadBackExactly) {
    EXPECT_EQ(format_value(0), "0");
    EXPECT_EQ(format_value(1), "1");
    EXPECT_EQ(format_value(0.005), "0.005");
    EXPECT_EQ(format_value(1764858000.25), "1764858000.25");
    EXPECT_EQ(format_value(-2.5), "-2.5");
    EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(format_value(std::nan("")), "NaN");
    const double third = 1.0 / 3;
    EXPECT_EQ(std::stod(format_value(third)), third);
}

TEST(Exposition, HistogramBucketsAreCumulative) {
    Exposition page;
    const std::array<double, 3> bounds{0.1, 1, 10};
    const std::array<std::uint64_t, 4> counts{2, 0, 3, 1};
    page.histogram("d_seconds", "D.", bounds, counts, 12.5);
    EXPECT_EQ(page.text(),
              "# HELP d_seconds D.\n"
              "# TYPE d_seconds histogram\n"
              "d_seconds_bucket{le=\"0.1\"} 2\n"
              "d_seconds_bucket{le=\"1\"} 2\n"
              "d_seconds_bucket{le=\"10\"} 5\n"
              "d_seconds_bucket{le=\"+Inf\"} 6\n"
              "d_seconds_sum 12.5\n"
              "d_seconds_count 6\n");
}

}  // namespace
}  // namespace hellod::metrics
