#include "net/wakeup.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "net/error.hpp"
#include "text/strings.hpp"

namespace hellod::net {

Wakeup::Wakeup() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!fd_)
        throw Error(Error::Kind::system, errno, "cannot create an eventfd: " + errno_text(errno));
}

void Wakeup::notify() noexcept {
    // A full counter still leaves the eventfd readable, which is all that matters.
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto ignored = ::write(fd_.get(), &one, sizeof one);
}

void Wakeup::clear() noexcept {
    std::uint64_t count = 0;
    [[maybe_unused]] const auto ignored = ::read(fd_.get(), &count, sizeof count);
}

}  // namespace hellod::net
