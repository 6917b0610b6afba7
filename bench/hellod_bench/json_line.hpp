#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hellod_bench {

// One JSON object built field by field, for the single result line on stdout.
class JsonLine {
  public:
    JsonLine& add(std::string_view key, std::string_view value);
    JsonLine& add(std::string_view key, const char* value) {
        return add(key, std::string_view{value});
    }
    JsonLine& add(std::string_view key, std::uint64_t value);
    JsonLine& add(std::string_view key, std::int64_t value);
    JsonLine& add(std::string_view key, int value) { return add(key, std::int64_t{value}); }
    JsonLine& add(std::string_view key, double value, int decimals);
    // A value that is already JSON (a nested object).
    JsonLine& add_raw(std::string_view key, std::string_view json);

    std::string str() const { return body_ + "}"; }

  private:
    void key(std::string_view k);
    std::string body_ = "{";
};

}  // namespace hellod_bench
