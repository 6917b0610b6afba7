// The one place errors become exit codes: each kind of error a lower layer throws, mapped.
#include "app/fatal_error.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "config/config_error.hpp"
#include "net/error.hpp"
#include "os/identity_error.hpp"

namespace hellod {
namespace {

TEST(FatalError, ConfigErrorsByTheirSource) {
    EXPECT_EQ(exit_code_for(ConfigError(ConfigError::Kind::usage, "x")), exit_code::usage);
    EXPECT_EQ(exit_code_for(ConfigError(ConfigError::Kind::invalid, "x")), exit_code::config);
    EXPECT_EQ(exit_code_for(ConfigError(ConfigError::Kind::unreadable, "x")), exit_code::no_input);
}

TEST(FatalError, IdentityErrorsByWhatFailed) {
    using Kind = IdentityError::Kind;
    EXPECT_EQ(exit_code_for(IdentityError(Kind::no_such_account, "x")), exit_code::no_user);
    EXPECT_EQ(exit_code_for(IdentityError(Kind::refused, "x")), exit_code::config);
    EXPECT_EQ(exit_code_for(IdentityError(Kind::not_permitted, "x")), exit_code::no_perm);
    EXPECT_EQ(exit_code_for(IdentityError(Kind::system, "x")), exit_code::os_error);
}

TEST(FatalError, NetErrorsByKindAndErrno) {
    using Kind = net::Error::Kind;
    EXPECT_EQ(exit_code_for(net::Error(Kind::unknown_host, 0, "x")), exit_code::no_host);
    EXPECT_EQ(exit_code_for(net::Error(Kind::bad_address, 0, "x")), exit_code::config);
    EXPECT_EQ(exit_code_for(net::Error(Kind::system, EACCES, "x")), exit_code::no_perm);
    EXPECT_EQ(exit_code_for(net::Error(Kind::system, EADDRINUSE, "x")), exit_code::unavailable);
    EXPECT_EQ(exit_code_for(net::Error(Kind::system, EADDRNOTAVAIL, "x")), exit_code::unavailable);
    EXPECT_EQ(exit_code_for(net::Error(Kind::system, EMFILE, "x")), exit_code::os_error);
}

TEST(FatalError, OwnCodesSystemErrorsAndBugs) {
    EXPECT_EQ(exit_code_for(FatalError(exit_code::usage, "x")), exit_code::usage);
    EXPECT_EQ(exit_code_for(std::system_error(EAGAIN, std::generic_category(), "x")),
              exit_code::os_error);
    EXPECT_EQ(exit_code_for(std::logic_error("x")), exit_code::software);
}

TEST(FatalError, OnlyABugSaysInternalError) {
    EXPECT_EQ(fatal_sentence(ConfigError(ConfigError::Kind::usage, "--x: bad")), "--x: bad");
    EXPECT_EQ(fatal_sentence(std::logic_error("oops")), "internal error: oops");
}

}  // namespace
}  // namespace hellod
