#pragma once
// What the config tests share: parsing an invocation as main() would, and checking that a
// mistake is refused with the right exit code and one sentence.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "app/fatal_error.hpp"
#include "config/invocation.hpp"
#include "config/setting_table.hpp"
#include "config/to_ini.hpp"
#include "net/cidr.hpp"
#include "temp_file.hpp"

namespace hellod::testing {

inline Invocation parse(std::initializer_list<const char*> args, const Environment& env = {}) {
    std::vector<const char*> argv{"hellod"};
    argv.insert(argv.end(), args);
    return parse_invocation(argv, env);
}

inline Settings settings_of(std::initializer_list<const char*> args, const Environment& env = {}) {
    return parse(args, env).settings;
}

inline bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

// Expects parse_invocation to fail with `code` and a one-line message holding every fragment.
inline void expect_error(std::initializer_list<const char*> args, const Environment& env, int code,
                         std::initializer_list<std::string_view> fragments) {
    try {
        parse(args, env);
        ADD_FAILURE() << "no error (expected " << code << ")";
    } catch (const std::exception& e) {
        const std::string_view message = e.what();
        EXPECT_EQ(exit_code_for(e), code) << message;
        EXPECT_FALSE(contains(message, "\n")) << "not one line: " << message;
        EXPECT_FALSE(message.starts_with("hellod:")) << message;  // main() adds that
        for (const auto fragment : fragments) {
            EXPECT_TRUE(contains(message, fragment)) << "'" << fragment << "' not in: " << message;
        }
    }
}

inline void expect_usage_error(std::initializer_list<const char*> args,
                               std::initializer_list<std::string_view> fragments) {
    expect_error(args, {}, exit_code::usage, fragments);
}

inline void expect_env_error(const Environment& env,
                             std::initializer_list<std::string_view> fragments) {
    expect_error({}, env, exit_code::config, fragments);
}

// The file's contents must be rejected with an error naming FILE:line.
inline void expect_file_error(std::string_view contents, int line,
                              std::initializer_list<std::string_view> fragments) {
    const TempFile file(contents);
    const std::string where = file.path() + ":" + std::to_string(line) + ": ";
    expect_error({"--config", file.c_str()}, {}, exit_code::config, fragments);
    expect_error({"--config", file.c_str()}, {}, exit_code::config, {where});
}

// The networks of an allow or deny list, as text.
inline std::vector<std::string> texts(const std::vector<net::Cidr>& networks) {
    std::vector<std::string> out;
    for (const auto& network : networks)
        out.push_back(network.to_string());
    return out;
}
using Texts = std::vector<std::string>;

}  // namespace hellod::testing
