// How the server tells hellod --probe's sessions from people's: the real Server in-process, the
// real probe, and what it logs and counts of each.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "app/probe.hpp"
#include "captured_stderr.hpp"
#include "log/log.hpp"
#include "protocol/probe_marker.hpp"
#include "test_client.hpp"
#include "test_log.hpp"
#include "test_server.hpp"

namespace hellod::testing {
namespace {

using namespace std::chrono_literals;

ProbeTarget local(unsigned port) {
    return {"127.0.0.1", std::to_string(port), "127.0.0.1:" + std::to_string(port)};
}

class ProbeMarkingTest : public ::testing::Test {
  protected:
    void SetUp() override { log_to_terminal(LogLevel::error); }
};

std::vector<std::string> access_lines(CapturedStderr& captured) {
    std::vector<std::string> access;
    for (auto& line : captured.lines())
        if (line.find(" access peer=") != std::string::npos) access.push_back(std::move(line));
    return access;
}

std::string all_of(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines)
        text += line + "\n";
    return text;
}

// The probe marks its session, under every protocol and framing: the server logs it at debug
// with probe=1 and counts it as a probe session only; a person typing "probe" is a session like
// any other.
TEST_F(ProbeMarkingTest, AProbeSessionIsLoggedAtDebugAndCountedApart) {
    struct Case {
        const char* name;
        std::function<void(Settings&)> configure;
        std::string by_hand;  // what a person sends
    };
    const std::vector<Case> cases = {
        {"greeting", [](Settings&) {}, "probe\nexit\n"},
        {"raw framing", [](Settings& s) { s.session.framing = Framing::raw; }, "probe"},
        {"timestamp", [](Settings& s) { s.session.protocol = Protocol::timestamp; },
         "probe\nexit\n"},
        {"echo", [](Settings& s) { s.session.protocol = Protocol::echo; }, "probe\n"},
    };
    for (const auto& c : cases) {
        log_to_terminal(LogLevel::debug);
        Settings settings = quick_settings();
        c.configure(settings);
        CapturedStderr captured;
        TestServer server(settings);
        const auto result = probe(local(server.port()), settings.session, 5s);
        EXPECT_TRUE(result.healthy) << c.name << ": " << result.sentence;
        {
            TestClient person(server.port());
            person.send(c.by_hand);
            person.shutdown_write();
            EXPECT_NE(person.read_to_eof(), "") << c.name;
        }
        server.stop();
        log_to_terminal(LogLevel::error);
        const auto access = access_lines(captured);
        ASSERT_EQ(access.size(), 2u) << c.name << ":\n" << all_of(access);
        const auto probes = std::ranges::count_if(access, [](const std::string& line) {
            return line.find(" debug access peer=127.0.0.1:") != std::string::npos &&
                   (line.ends_with(" end=eof probe=1") || line.ends_with(" end=exit probe=1"));
        });
        const auto people = std::ranges::count_if(access, [](const std::string& line) {
            return line.find(" info  access peer=127.0.0.1:") != std::string::npos &&
                   line.find("probe=") == std::string::npos;
        });
        EXPECT_EQ(probes, 1) << c.name << ":\n" << all_of(access);
        EXPECT_EQ(people, 1) << c.name << ":\n" << all_of(access);
        const auto counts = server.server().metrics().snapshot();
        EXPECT_EQ(counts.probe_sessions, 1u) << c.name;
        EXPECT_EQ(std::accumulate(counts.ended.begin(), counts.ended.end(), std::uint64_t{0}), 1u)
            << c.name << ": the person's session alone";
        EXPECT_EQ(counts.bytes_received, c.by_hand.size()) << c.name;
    }
}

// Where a line cannot hold the marker the probe sends what fits of "probe", and its session is
// an ordinary one.
TEST_F(ProbeMarkingTest, LinesTooShortForTheMarkerMakeAnOrdinarySession) {
    Settings settings = quick_settings();
    settings.session.max_line_bytes = protocol::probe_marker.size() - 1;
    TestServer server(settings);
    const auto result = probe(local(server.port()), settings.session, 5s);
    EXPECT_TRUE(result.healthy) << result.sentence;
    server.stop();
    const auto counts = server.server().metrics().snapshot();
    EXPECT_EQ(counts.probe_sessions, 0u);
    EXPECT_EQ(counts.ended[static_cast<std::size_t>(protocol::EndReason::exit)], 1u);
}

}  // namespace
}  // namespace hellod::testing
