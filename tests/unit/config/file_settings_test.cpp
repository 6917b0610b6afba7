// The config file as a source of settings: reading it, and each mistake named FILE:line.
#include "config/file_settings.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "settings_harness.hpp"

namespace hellod {
namespace {

using namespace std::chrono_literals;
using namespace testing;

TEST(Settings, MissingConfigFile) {
    const TempFile file("");
    const std::string path = file.path() + ".does-not-exist";
    expect_error({"--config", path.c_str()}, {}, exit_code::no_input,
                 {"cannot read config file " + path + ": No such file or directory"});
    expect_error({}, {{"HELLOD_CONFIG", path}}, exit_code::no_input,
                 {"cannot read config file " + path});
}

TEST(Settings, ConfigFileIsADirectory) {
    expect_error({"--config", "/tmp"}, {}, exit_code::no_input,
                 {"config file /tmp is a directory, not a regular file"});
}

// A FIFO would wait for a writer for ever, at start-up or at a reload: refused at once.
TEST(Settings, ConfigFileIsAFifo) {
    const TempFile file("");  // its name, taken by a FIFO; removed at the end either way
    const std::string& path = file.path();
    ASSERT_EQ(::unlink(path.c_str()), 0);
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    expect_error({"--config", path.c_str()}, {}, exit_code::no_input,
                 {"config file " + path + " is a FIFO, not a regular file"});
}

// /dev/null is the usual way to say "no config file".
TEST(Settings, ConfigFileIsDevNull) {
    auto expected = Settings{};
    expected.config_file = "/dev/null";
    EXPECT_EQ(settings_of({"-c", "/dev/null"}), expected);
}

TEST(Settings, HugeConfigFile) {
    const TempFile file(std::string(2 << 20, '#'));
    expect_error({"--config", file.c_str()}, {}, exit_code::config,
                 {"config file " + file.path() + " is larger than 1 MiB"});
}

TEST(Settings, EmptyConfigFile) {
    const TempFile file("# nothing set\n");
    auto expected = Settings{};
    expected.config_file = file.path();
    EXPECT_EQ(settings_of({"-c", file.c_str()}), expected);
}

TEST(Settings, UnknownSettingInFile) {
    expect_file_error("backlog = 3\n\nmax_conections = 4\n", 3,
                      {"unknown setting 'max_conections' (did you mean 'max-connections'?)"});
    expect_file_error("colour = blue\n", 1, {"unknown setting 'colour'"});
    expect_file_error("Listen = a:1\n", 1, {"unknown setting 'Listen' (did you mean 'listen'?)"});
}

TEST(Settings, CommandLineOptionsAreNotFileKeys) {
    expect_file_error("config = /etc/other.conf\n", 1, {"'config' cannot be set in a config file"});
    expect_file_error("help = yes\n", 1, {"'help' is a command-line option, not a setting"});
    expect_file_error("print-config = 1\n", 1, {"'print-config' is a command-line option"});
}

TEST(Settings, BadValueInFile) {
    expect_file_error("\n\nmax-connections = 0\n", 3,
                      {"max-connections: '0' is not a whole number from 1 to 1000000"});
    expect_file_error("reply = \"%s and %s\"\n", 1, {"reply: holds %s more than once"});
    expect_file_error("welcome = \"  \"\nexit-command = \" bye\"\n", 2,
                      {"exit-command: ' bye' starts or ends with a space or tab"});
    expect_file_error("udp-echo =\n", 1, {"udp-echo: '' is not true or false"});
    expect_file_error("write-timeout = 0 # never\n", 1, {"write-timeout: '0'", "forever"});
    expect_file_error("log-level = debug\nlog-format = yaml\n", 2,
                      {"log-format: 'yaml' is not one of text, json"});
}

TEST(Settings, ScalarSetTwiceInFile) {
    expect_file_error("backlog = 3\n# again:\nbacklog = 4\n", 3,
                      {"backlog is set twice (first on line 1)"});
}

TEST(Settings, MalformedFileLines) {
    expect_file_error("backlog = 3\nlisten 127.0.0.1:1\n", 2, {"no '='"});
    expect_file_error("= 3\n", 1, {"no setting name"});
    expect_file_error("\n[hellod]\nbacklog = 3\n", 2, {"'[hellod]'", "sections are not used"});
    expect_file_error("welcome = \"hi\n", 1, {"unterminated quote"});
    expect_file_error("welcome = \"hi\" you\n", 1, {"after the closing quote"});
    expect_file_error("welcome = \"\\q\"\n", 1, {"unknown escape '\\q'"});
}

TEST(SettingsAccess, RepeatedInTheConfigFile) {
    const TempFile file("allow = 192.0.2.0/24\ndeny = 192.0.2.7\nallow = 10.0.0.0/8, ::1\n");
    const auto s = settings_of({"--config", file.c_str()});
    EXPECT_EQ(texts(s.access.allowed()), (Texts{"192.0.2.0/24", "10.0.0.0/8", "::1/128"}));
    EXPECT_EQ(texts(s.access.denied()), (Texts{"192.0.2.7/32"}));
}

}  // namespace
}  // namespace hellod
