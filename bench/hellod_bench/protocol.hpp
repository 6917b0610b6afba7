#pragma once

#include <string>
#include <string_view>

namespace hellod_bench {

enum class Protocol { greeting, echo };

inline std::string_view protocol_name(Protocol p) {
    return p == Protocol::greeting ? "greeting" : "echo";
}

// The exact bytes of one conversation, from the wire contract: server lines end in CRLF,
// client lines in LF. Every reply is compared byte for byte against these.
struct Script {
    bool welcome_expected = true;
    std::string welcome = "Welcome!\r\n";
    std::string request;  // one line the client sends
    std::string reply;    // what the server must answer to it
    std::string exit_request = "exit\n";
    std::string farewell = "Bye!\r\n";
};

inline Script make_script(Protocol protocol, std::string_view line) {
    Script s;
    s.request = std::string(line) + "\n";
    if (protocol == Protocol::greeting) {
        s.reply = "Hello, " + std::string(line) + "!\r\n";
    } else {
        s.welcome_expected = false;
        s.welcome.clear();
        s.reply = s.request;
    }
    return s;
}

}  // namespace hellod_bench
