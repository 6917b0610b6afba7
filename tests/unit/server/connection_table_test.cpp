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

// A connection through a balancer counts against the balancer until its PROXY header names the
// client, then against the client: the move checks the client's limit and changes both counts.
TEST(ConnectionTable, ASlotMovesToTheClientItsHeaderNamed) {
    ConnectionTable table;
    ConnectionTable::Slot a, b, c;
    ASSERT_EQ(table.admit(10, "LB", 10, 2, a), Admission::admitted);
    ASSERT_EQ(table.admit(11, "LB", 10, 2, b), Admission::admitted);
    ASSERT_EQ(table.admit(12, "LB", 10, 2, c), Admission::busy_per_ip) << "2 pending headers";
    EXPECT_TRUE(a.move_to("X", 2));
    EXPECT_EQ(table.count_for("LB"), 1u);
    EXPECT_EQ(table.count_for("X"), 1u);
    EXPECT_TRUE(a.move_to("X", 2)) << "moving to where it is changes nothing";
    EXPECT_EQ(table.count_for("X"), 1u);
    ASSERT_EQ(table.admit(12, "LB", 10, 2, c), Admission::admitted);
    EXPECT_TRUE(b.move_to("X", 2));
    EXPECT_FALSE(c.move_to("X", 2)) << "X holds 2 already";
    EXPECT_EQ(table.count_for("LB"), 1u) << "a refused move leaves the slot where it was";
    EXPECT_EQ(table.count_for("X"), 2u);
    EXPECT_TRUE(c.move_to("Y", 0)) << "0 = no limit";
    EXPECT_EQ(table.count_for("LB"), 0u);
    a.release();
    b.release();
    c.release();
    EXPECT_EQ(table.count_for("X"), 0u);
    EXPECT_EQ(table.count_for("Y"), 0u);
    EXPECT_EQ(table.size(), 0u);
    ConnectionTable::Slot none;
    EXPECT_FALSE(none.move_to("X", 0));
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
