// take_inherited_sockets: the LISTEN_FDS protocol (sd_listen_fds(3)) with real sockets placed on
// descriptors 3 and up, the way systemd hands them over.
#include "net/inherited_sockets.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "net/fd.hpp"
#include "net/listener.hpp"

namespace hellod::net {
namespace {

constexpr int first_fd = 3;  // SD_LISTEN_FDS_START

bool all_unset() {
    return !std::getenv("LISTEN_FDS") && !std::getenv("LISTEN_PID") &&
           !std::getenv("LISTEN_FDNAMES");
}

void announce(int count, pid_t pid, const char* names = nullptr) {
    ::setenv("LISTEN_FDS", std::to_string(count).c_str(), 1);
    ::setenv("LISTEN_PID", std::to_string(pid).c_str(), 1);
    if (names)
        ::setenv("LISTEN_FDNAMES", names, 1);
    else
        ::unsetenv("LISTEN_FDNAMES");
}

// Whatever the test runner left on descriptors 3 and up (ctest does), kept aside while a test
// puts its own sockets there, and put back afterwards.
class DescriptorsSetAside {
  public:
    explicit DescriptorsSetAside(int count) {
        for (int fd = first_fd; fd < first_fd + count; ++fd) {
            const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 100);
            saved_.push_back(copy);
            if (copy >= 0) ::close(fd);
        }
    }
    ~DescriptorsSetAside() {
        for (std::size_t i = 0; i < saved_.size(); ++i) {
            if (saved_[i] < 0) continue;
            ::dup2(saved_[i], first_fd + static_cast<int>(i));
            ::close(saved_[i]);
        }
    }
    DescriptorsSetAside(const DescriptorsSetAside&) = delete;
    DescriptorsSetAside& operator=(const DescriptorsSetAside&) = delete;

  private:
    std::vector<int> saved_;
};

// Moves `fds` onto 3, 4, ... as systemd would.
void place(std::vector<UniqueFd>& fds) {
    for (auto& fd : fds)  // out of the way first: the sockets were just made on low numbers
        fd.reset(::fcntl(fd.get(), F_DUPFD, 100));
    for (std::size_t i = 0; i < fds.size(); ++i) {
        const int target = first_fd + static_cast<int>(i);
        ASSERT_EQ(::dup2(fds[i].get(), target), target);
        fds[i].reset();
    }
}

bool is_open(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

TEST(InheritedSockets, NoneWithoutListenFds) {
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_PID");
    EXPECT_FALSE(take_inherited_sockets().has_value());
}

TEST(InheritedSockets, SocketsForAnotherProcessAreNotTakenAndTheVariablesGo) {
    announce(1, ::getpid() + 1);
    EXPECT_FALSE(take_inherited_sockets().has_value());
    EXPECT_TRUE(all_unset());
}

TEST(InheritedSockets, SortsWhatSystemdPassedAndUnsetsTheVariables) {
    const DescriptorsSetAside runner_descriptors(4);
    auto tcp = open_listeners({"127.0.0.1:0"}, 16);
    auto udp = open_udp_sockets({"127.0.0.1:0"});
    const std::string tcp_name = tcp.listeners[0].name;
    const std::string udp_name = udp.listeners[0].name;
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    UniqueFd far_end(::fcntl(pair[1], F_DUPFD, 100));  // kept open, above the descriptors used
    ::close(pair[1]);
    int pipe_ends[2];
    ASSERT_EQ(::pipe(pipe_ends), 0);
    UniqueFd pipe_writer(::fcntl(pipe_ends[1], F_DUPFD, 100));
    ::close(pipe_ends[1]);

    // systemd passes sockets blocking unless NonBlocking=yes; hellod must fix that itself.
    const int listen_fd = tcp.listeners[0].fd.get();
    ::fcntl(listen_fd, F_SETFL, ::fcntl(listen_fd, F_GETFL) & ~O_NONBLOCK);

    std::vector<UniqueFd> fds;
    fds.push_back(std::move(tcp.listeners[0].fd));
    fds.push_back(std::move(udp.listeners[0].fd));
    fds.push_back(UniqueFd(pair[0]));
    fds.push_back(UniqueFd(pipe_ends[0]));
    place(fds);

    announce(4, ::getpid(), "hellod.socket:hellod.socket:conn:odd");
    auto sockets = take_inherited_sockets();
    ASSERT_TRUE(sockets.has_value());
    EXPECT_TRUE(all_unset());

    ASSERT_EQ(sockets->stream.size(), 1u);
    EXPECT_EQ(sockets->stream[0].fd.get(), 3);
    EXPECT_EQ(sockets->stream[0].name, tcp_name);
    EXPECT_TRUE(::fcntl(3, F_GETFL) & O_NONBLOCK);
    EXPECT_TRUE(::fcntl(3, F_GETFD) & FD_CLOEXEC);

    ASSERT_EQ(sockets->datagram.size(), 1u);
    EXPECT_EQ(sockets->datagram[0].name, udp_name);
    EXPECT_TRUE(::fcntl(4, F_GETFL) & O_NONBLOCK);

    ASSERT_EQ(sockets->connected.size(), 1u);
    EXPECT_EQ(sockets->connected[0].get(), 5);

    EXPECT_EQ(sockets->names, (std::vector<std::string>{"hellod.socket", "conn", "odd"}));
    ASSERT_EQ(sockets->warnings.size(), 1u);
    EXPECT_NE(sockets->warnings[0].find("descriptor 6 (odd)"), std::string::npos)
        << sockets->warnings[0];
    EXPECT_FALSE(is_open(6)) << "a descriptor hellod cannot use is closed, not leaked";

    sockets.reset();
    for (int fd = 3; fd <= 6; ++fd)
        EXPECT_FALSE(is_open(fd)) << fd;
}

}  // namespace
}  // namespace hellod::net
