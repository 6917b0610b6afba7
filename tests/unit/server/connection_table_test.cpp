#include "server/connection_table.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include "net/fd.hpp"

namespace hellod {
namespace {

using Admission = ConnectionTable::Admission;

TEST(ConnectionTable, EnforcesTheTotalAndPerAddressLimits) {
    ConnectionTable table;
    ConnectionTable::Slot a, b, c, d;
    EXPECT_EQ(table.admit(10, "A", 3, 2, a), Admission::admitted);
    EXPECT_EQ(table.admit(11, "A", 3, 2, b), Admission::admitted);
    EXPECT_EQ(table.admit(12, "A", 3, 2, c), Admission::busy_per_ip);
    EXPECT_FALSE(c);
    EXPECT_EQ(table.admit(12, "B", 3, 2, c), Admission::admitted);
    EXPECT_EQ(table.admit(13, "C", 3, 2, d), Admission::busy_total);
    EXPECT_EQ(table.size(), 3u);
    EXPECT_EQ(table.count_for("A"), 2u);
    a.release();
    EXPECT_EQ(table.count_for("A"), 1u);
    EXPECT_EQ(table.admit(13, "C", 3, 2, d), Admission::admitted);
}

TEST(ConnectionTable, ZeroPerAddressMeansUnlimited) {
    ConnectionTable table;
    std::vector<ConnectionTable::Slot> slots(50);
    for (int i = 0; i < 50; ++i)
        EXPECT_EQ(table.admit(i, "A", 100, 0, slots[i]), Admission::admitted);
    slots.clear();
    EXPECT_EQ(table.size(), 0u);
    EXPECT_EQ(table.count_for("A"), 0u);
}

TEST(ConnectionTable, CancelWakesReadersAndRaisesTheFlag) {
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    net::UniqueFd ours(pair[0]), theirs(pair[1]);
    ConnectionTable table;
    ConnectionTable::Slot slot;
    ASSERT_EQ(table.admit(ours.get(), "A", 10, 0, slot), Admission::admitted);
    EXPECT_FALSE(table.cancelled().load());
    table.cancel_all();
    EXPECT_TRUE(table.cancelled().load());
    char byte;
    EXPECT_EQ(::recv(ours.get(), &byte, 1, 0), 0);  // woken at once, not blocked
}

TEST(ConnectionTable, WaitUntilEmptyReturnsWhenTheLastSlotGoes) {
    ConnectionTable table;
    ConnectionTable::Slot slot;
    table.admit(3, "A", 10, 0, slot);
    EXPECT_FALSE(
        table.wait_until_empty(std::chrono::steady_clock::now() + std::chrono::milliseconds(20)));
    std::thread releaser([&] { slot.release(); });
    EXPECT_TRUE(table.wait_until_empty(std::chrono::steady_clock::now() + std::chrono::seconds(5)));
    releaser.join();
}

}  // namespace
}  // namespace hellod
