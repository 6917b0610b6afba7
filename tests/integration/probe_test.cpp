// hellod --probe against the real Server in-process, and against scripted servers that
// misbehave in the ways a health check must notice.
#include "app/probe.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "app/fatal_error.hpp"
#include "log/log.hpp"
#include "net/fd.hpp"
#include "protocol/probe_marker.hpp"
#include "test_client.hpp"
#include "test_log.hpp"
#include "test_server.hpp"

namespace hellod::testing {
namespace {

using namespace std::chrono_literals;

// A one-connection server on 127.0.0.1 that runs `script` on the accepted socket, then closes.
class ScriptedServer {
  public:
    explicit ScriptedServer(std::function<void(int)> script) {
        listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            ::listen(listener_.get(), 4) != 0 ||
            ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0)
            throw std::runtime_error("scripted server: cannot listen");
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this, script = std::move(script)] {
            net::UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (client) script(client.get());
        });
    }
    ~ScriptedServer() {
        ::shutdown(listener_.get(), SHUT_RDWR);  // wakes accept() if nobody came
        thread_.join();
    }
    unsigned port() const { return port_; }

  private:
    net::UniqueFd listener_;
    unsigned port_ = 0;
    std::thread thread_;
};

void send_text(int fd, std::string_view text) {
    ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
}

// Every read of a scripted server is bounded, so a probe that misbehaves fails the test.
void bound_reads(int fd) {
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

// Reads what the client sends until it closes its side.
std::string read_all(int fd) {
    bound_reads(fd);
    std::string in;
    char buffer[512];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
        in.append(buffer, static_cast<std::size_t>(n));
    return in;
}

// Reads up to and including the next "\n".
std::string read_line(int fd) {
    bound_reads(fd);
    std::string in;
    for (char c; ::recv(fd, &c, 1, 0) == 1;) {
        in += c;
        if (c == '\n') break;
    }
    return in;
}

ProbeTarget local(unsigned port) {
    return {"127.0.0.1", std::to_string(port), "127.0.0.1:" + std::to_string(port)};
}

class ProbeTest : public ::testing::Test {
  protected:
    void SetUp() override { log_to_terminal(LogLevel::error); }
};

TEST_F(ProbeTest, EachProtocolAndFramingIsHealthy) {
    struct Case {
        const char* name;
        std::function<void(Settings&)> configure;
    };
    const std::vector<Case> cases = {
        {"greeting", [](Settings&) {}},
        {"custom messages",
         [](Settings& s) {
             s.session.welcome = "Hi there";
             s.session.reply = ReplyTemplate::parse("Got %s.");
             s.session.farewell = "See you";
         }},
        {"no welcome, no farewell",
         [](Settings& s) {
             s.session.welcome.clear();
             s.session.farewell.clear();
         }},
        {"no exit command", [](Settings& s) { s.session.exit_command.clear(); }},
        {"exit command 'probe'", [](Settings& s) { s.session.exit_command = "probe"; }},
        {"two-byte lines", [](Settings& s) { s.session.max_line_bytes = 2; }},
        {"raw framing", [](Settings& s) { s.session.framing = Framing::raw; }},
        {"timestamp",
         [](Settings& s) {
             s.session.protocol = Protocol::timestamp;
             s.session.welcome.clear();
         }},
        {"echo",
         [](Settings& s) {
             s.session.protocol = Protocol::echo;
             s.session.welcome.clear();
         }},
    };
    for (const auto& c : cases) {
        Settings settings = quick_settings();
        c.configure(settings);
        TestServer server(settings);
        const auto result = probe(local(server.port()), settings.session, 5s);
        EXPECT_TRUE(result.healthy) << c.name << ": " << result.sentence;
        EXPECT_EQ(result.sentence.find("hellod at 127.0.0.1:" + std::to_string(server.port()) +
                                       " is healthy: it answered as the " +
                                       std::string(to_string(settings.session.protocol)) +
                                       " protocol should in "),
                  0u)
            << result.sentence;
    }
}

TEST_F(ProbeTest, SettingsThatDifferFromTheServersAreUnhealthy) {
    TestServer server;  // the defaults: "Welcome!", "Hello, %s!"
    Settings expected = quick_settings();
    expected.session.welcome = "Hi there";
    auto result = probe(local(server.port()), expected.session, 5s);
    EXPECT_FALSE(result.healthy);
    EXPECT_EQ(result.sentence, "hellod at 127.0.0.1:" + std::to_string(server.port()) +
                                   " is not healthy: it sent 'Welcome!' where the welcome 'Hi "
                                   "there' was expected");

    expected = quick_settings();
    expected.session.reply = ReplyTemplate::parse("Hi, %s.");
    result = probe(local(server.port()), expected.session, 5s);
    EXPECT_FALSE(result.healthy);
    EXPECT_NE(result.sentence.find("it answered 'Hello, \\x01hellod-probe\\x01!' where 'Hi, "
                                   "\\x01hellod-probe\\x01.' was expected"),
              std::string::npos)
        << result.sentence;
}

TEST_F(ProbeTest, ABusyServerIsUpAndSaysSo) {
    Settings settings = quick_settings();
    settings.max_connections = 1;
    TestServer server(settings);
    TestClient holder(server.port());
    ASSERT_EQ(holder.read_exactly(10), "Welcome!\r\n");
    const auto result = probe(local(server.port()), settings.session, 5s);
    EXPECT_TRUE(result.healthy) << result.sentence;
    EXPECT_NE(result.sentence.find("is up but busy: it turned the probe away with 'Error: server "
                                   "busy, try again later'"),
              std::string::npos)
        << result.sentence;
}

TEST_F(ProbeTest, NothingListeningIsUnhealthy) {
    unsigned port = 0;
    {
        TestServer server;
        port = server.port();
    }  // stopped: the port is closed now
    const auto result = probe(local(port), quick_settings().session, 5s);
    EXPECT_FALSE(result.healthy);
    EXPECT_NE(result.sentence.find("is not healthy: cannot connect: Connection refused"),
              std::string::npos)
        << result.sentence;
}

TEST_F(ProbeTest, ASilentServerTimesOutWithinTheTimeout) {
    ScriptedServer silent([](int fd) { read_all(fd); });
    const auto start = std::chrono::steady_clock::now();
    const auto result = probe(local(silent.port()), quick_settings().session, 300ms);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_FALSE(result.healthy);
    EXPECT_NE(result.sentence.find("is not healthy: no welcome within 0.3 s"), std::string::npos)
        << result.sentence;
    EXPECT_GE(elapsed, 300ms);
    EXPECT_LT(elapsed, 3s);
}

TEST_F(ProbeTest, AServerThatClosesAtOnceIsUnhealthy) {
    ScriptedServer closer([](int) {});
    const auto result = probe(local(closer.port()), quick_settings().session, 5s);
    EXPECT_FALSE(result.healthy);
    EXPECT_NE(result.sentence.find("it closed the connection before the welcome"),
              std::string::npos)
        << result.sentence;
}

TEST_F(ProbeTest, AShuttingDownServerIsUnhealthy) {
    ScriptedServer stopping([](int fd) { send_text(fd, "Error: server shutting down\r\n"); });
    const auto result = probe(local(stopping.port()), quick_settings().session, 5s);
    EXPECT_FALSE(result.healthy);
    EXPECT_NE(result.sentence.find("is not healthy: it is shutting down"), std::string::npos)
        << result.sentence;
}

TEST_F(ProbeTest, AServerThatSendsMoreAfterTheFarewellIsUnhealthy) {
    ScriptedServer chatty([](int fd) {
        send_text(fd, "Welcome!\r\n");
        if (read_line(fd) != std::string(protocol::probe_marker) + "\r\n") return;
        send_text(fd, "Hello, " + std::string(protocol::probe_marker) + "!\r\n");
        if (read_line(fd) != "exit\r\n") return;
        send_text(fd, "Bye!\r\nand more\r\n");
    });
    const auto result = probe(local(chatty.port()), quick_settings().session, 5s);
    EXPECT_FALSE(result.healthy);
    EXPECT_NE(result.sentence.find("it sent 'and more\\r\\n' where it should have closed"),
              std::string::npos)
        << result.sentence;
}

TEST_F(ProbeTest, AnEchoServerThatAltersTheBytesIsUnhealthy) {
    ScriptedServer upper([](int fd) {
        std::string in = read_line(fd);
        for (char& c : in)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        send_text(fd, in);
    });
    Settings settings = quick_settings();
    settings.session.protocol = Protocol::echo;
    settings.session.welcome.clear();
    const auto result = probe(local(upper.port()), settings.session, 5s);
    EXPECT_FALSE(result.healthy);
    EXPECT_NE(result.sentence.find("is not healthy: it sent '\\x01HELLOD-PROBE\\x01: THE QUICK"),
              std::string::npos)
        << result.sentence;
}

TEST(ProbeTargets, WildcardsMeanLoopbackAndPortZeroIsRefused) {
    Settings settings;
    auto targets = probe_targets("", settings.listen);  // the built-in *:9999
    ASSERT_EQ(targets.size(), 1u);
    EXPECT_EQ(targets[0].name, "127.0.0.1:9999");

    settings.listen = {"*:1", ":2", "3", "0.0.0.0:4", "[::]:5", "[::1]:6", "localhost:http"};
    targets = probe_targets("", settings.listen);
    std::vector<std::string> names;
    for (const auto& t : targets)
        names.push_back(t.name);
    EXPECT_EQ(names,
              (std::vector<std::string>{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3", "127.0.0.1:4",
                                        "[::1]:5", "[::1]:6", "localhost:http"}));

    targets =
        probe_targets("192.0.2.1:7", settings.listen);  // an explicit target replaces the list
    ASSERT_EQ(targets.size(), 1u);
    EXPECT_EQ(targets[0].host, "192.0.2.1");
    EXPECT_EQ(targets[0].port, "7");

    try {
        settings.listen = {"127.0.0.1:0"};
        probe_targets("", settings.listen);
        ADD_FAILURE() << "port 0 accepted";
    } catch (const std::exception& e) {
        EXPECT_EQ(exit_code_for(e), exit_code::usage);
        EXPECT_STREQ(e.what(),
                     "listen 127.0.0.1:0: port 0 is whatever port the kernel picked; name the "
                     "port with --probe HOST:PORT");
    }
    try {
        probe_targets("::1:9999", settings.listen);
        ADD_FAILURE() << "unbracketed IPv6 accepted";
    } catch (const std::exception& e) {
        EXPECT_EQ(exit_code_for(e), exit_code::usage);
        EXPECT_STREQ(e.what(),
                     "--probe ::1:9999: the address looks like an IPv6 address: write it in "
                     "brackets, as [::1]:9999");
    }
}

}  // namespace
}  // namespace hellod::testing
