#include "protocol/telnet_filter.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <random>
#include <string>
#include <vector>

namespace hellod {
namespace {

struct Output {
    std::string kept;
    bool stop = false;
};

// One call; the filter works in place, so the result is a prefix of the input buffer.
Output run(TelnetFilter& filter, std::string chunk) {
    const InputFilter::Result result = filter.filter({chunk.data(), chunk.size()});
    EXPECT_LE(result.kept, chunk.size());
    chunk.resize(result.kept);
    return {chunk, result.stop};
}

Output run_chunks(TelnetFilter& filter, const std::vector<std::string>& chunks) {
    Output total;
    for (const std::string& chunk : chunks) {
        const Output part = run(filter, chunk);
        total.kept += part.kept;
        total.stop = total.stop || part.stop;
    }
    return total;
}

std::string bytes(std::initializer_list<int> values) {
    std::string s;
    for (const int v : values)
        s.push_back(static_cast<char>(v));
    return s;
}

constexpr int IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, GA = 249, EL = 248,
              EC = 247, AYT = 246, AO = 245, IP = 244, BRK = 243, DM = 242, NOP = 241, SE = 240;

TEST(TelnetFilter, PassesPlainDataThrough) {
    TelnetFilter filter;
    const std::string text = "Hello, world!\r\n\x01\x7f\xfe\x80 caf\xc3\xa9\n";
    const Output out = run(filter, text);
    EXPECT_EQ(out.kept, text);
    EXPECT_FALSE(out.stop);
}

TEST(TelnetFilter, EmptyInputKeepsNothing) {
    TelnetFilter filter;
    const Output out = run(filter, "");
    EXPECT_EQ(out.kept, "");
    EXPECT_FALSE(out.stop);
}

TEST(TelnetFilter, DoubledIacYieldsOneLiteralFf) {
    TelnetFilter filter;
    const Output out = run(filter, "a" + bytes({IAC, IAC}) + "b" + bytes({IAC, IAC, IAC, IAC}));
    EXPECT_EQ(out.kept,
              "a\xff"
              "b\xff\xff");
    EXPECT_FALSE(out.stop);
}

TEST(TelnetFilter, NegotiationCommandsAreRemoved) {
    TelnetFilter filter;
    // The option byte is dropped even when it looks like data or like IAC.
    const Output out =
        run(filter, "a" + bytes({IAC, WILL, 1}) + "b" + bytes({IAC, WONT, 'x'}) + "c" +
                        bytes({IAC, DO, IAC}) + "d" + bytes({IAC, DONT, '\n'}) + "e");
    EXPECT_EQ(out.kept, "abcde");
    EXPECT_FALSE(out.stop);
}

TEST(TelnetFilter, SubnegotiationIsRemovedWhole) {
    TelnetFilter filter;
    // Inside SB: IAC IAC is an escaped 255, IAC + other byte stays inside, only IAC SE ends it.
    const Output out =
        run(filter,
            "x" + bytes({IAC, SB, 24, 0, 'V', 'T', IAC, IAC, '1', IAC, 'z', '\n', SE, IAC, SE}) +
                "y\n");
    EXPECT_EQ(out.kept, "xy\n");
    EXPECT_FALSE(out.stop);
}

TEST(TelnetFilter, OtherTwoByteCommandsAreRemoved) {
    TelnetFilter filter;
    std::string input;
    for (const int command : {NOP, DM, AYT, EC, EL, GA, AO, SE, int{'q'}, 0}) {
        input += bytes({IAC, command});
        input += "-";
    }
    const Output out = run(filter, input);
    EXPECT_EQ(out.kept, "----------");
    EXPECT_FALSE(out.stop);
}

TEST(TelnetFilter, InterruptProcessStopsInput) {
    TelnetFilter filter;
    const Output out = run(filter, "ab" + bytes({IAC, IP}) + "cd\n");
    EXPECT_EQ(out.kept, "ab");
    EXPECT_TRUE(out.stop);

    const Output later = run(filter, "more\n");
    EXPECT_EQ(later.kept, "");
    EXPECT_TRUE(later.stop);
    const Output empty = run(filter, "");
    EXPECT_EQ(empty.kept, "");
    EXPECT_TRUE(empty.stop);
}

TEST(TelnetFilter, BreakStopsInput) {
    TelnetFilter filter;
    const Output out = run(filter, bytes({IAC, WILL, 3}) + "q" + bytes({IAC, BRK, IAC, IAC}));
    EXPECT_EQ(out.kept, "q");
    EXPECT_TRUE(out.stop);
    const Output later = run(filter, "x");
    EXPECT_EQ(later.kept, "");
    EXPECT_TRUE(later.stop);
}

TEST(TelnetFilter, CountsTimingMarkRequestsForTheSessionToAnswer) {
    TelnetFilter filter;
    EXPECT_EQ(run(filter, bytes({'a', 255, 253, 6, 'b', 255, 253, 1, 255, 251, 6})).kept, "ab");
    EXPECT_EQ(filter.take_timing_marks(), 1u);  // DO ECHO and WILL TIMING-MARK ask nothing
    EXPECT_EQ(filter.take_timing_marks(), 0u);
    // Split across reads: IAC DO | TIMING-MARK.
    run(filter, bytes({255, 253}));
    run(filter, bytes({6}));
    EXPECT_EQ(filter.take_timing_marks(), 1u);
}

TEST(TelnetFilter, TimingMarkBehindAnInterruptIsStillSeen) {
    // What telnet sends for Ctrl-C with autoflush on: IAC IP IAC DO TIMING-MARK.
    TelnetFilter filter;
    const Output out = run(filter, bytes({'x', 255, 244, 255, 253, 6}));
    EXPECT_EQ(out.kept, "x");
    EXPECT_TRUE(out.stop);
    EXPECT_EQ(filter.take_timing_marks(), 1u);
}

TEST(TelnetFilter, StopSplitAcrossCalls) {
    TelnetFilter filter;
    const Output first = run(filter, "ab" + bytes({IAC}));
    EXPECT_EQ(first.kept, "ab");
    EXPECT_FALSE(first.stop);
    const Output second = run(filter, bytes({IP}) + "cd");
    EXPECT_EQ(second.kept, "");
    EXPECT_TRUE(second.stop);
}

TEST(TelnetFilter, PlainChunkAfterPendingCommandIsNotTakenAsData) {
    // The no-0xFF fast path must not apply while a sequence is open.
    TelnetFilter a;
    EXPECT_EQ(run(a, bytes({IAC, WILL})).kept, "");
    EXPECT_EQ(run(a, "\x01rest").kept, "rest");

    TelnetFilter b;
    EXPECT_EQ(run(b, bytes({IAC, SB, 31})).kept, "");
    EXPECT_EQ(run(b, "inside").kept, "");
    EXPECT_EQ(run(b, bytes({IAC})).kept, "");
    EXPECT_EQ(run(b, bytes({SE}) + "out").kept, "out");

    TelnetFilter c;
    EXPECT_EQ(run(c, bytes({IAC})).kept, "");
    EXPECT_EQ(run(c, "xyz").kept, "yz");  // IAC 'x' is a two-byte command
}

TEST(TelnetFilter, EverySplitPointGivesTheSameOutput) {
    const std::string input = "he" + bytes({IAC, IAC}) + "l" + bytes({IAC, DO, 1}) + "lo" +
                              bytes({IAC, SB, 24, IAC, IAC, IAC, 7, 'x', IAC, SE}) + " w" +
                              bytes({IAC, NOP, IAC, WONT, IAC}) + "or" + bytes({IAC, GA}) +
                              "ld\r\n";
    TelnetFilter whole;
    const Output expected = run(whole, input);
    ASSERT_EQ(expected.kept, "he\xffllo world\r\n");
    ASSERT_FALSE(expected.stop);

    for (std::size_t i = 0; i <= input.size(); ++i) {
        for (std::size_t j = i; j <= input.size(); ++j) {
            TelnetFilter filter;
            const Output out =
                run_chunks(filter, {input.substr(0, i), input.substr(i, j - i), input.substr(j)});
            ASSERT_EQ(out.kept, expected.kept) << "split at " << i << ", " << j;
            ASSERT_EQ(out.stop, expected.stop) << "split at " << i << ", " << j;
        }
    }
}

// Written independently of the filter: parses the whole input at once, by index.
Output reference(const std::string& in) {
    Output out;
    const auto at = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
    std::size_t i = 0;
    while (i < in.size()) {
        if (at(i) != IAC) {
            out.kept.push_back(in[i++]);
            continue;
        }
        if (i + 1 >= in.size()) break;  // incomplete sequence at the end: nothing to keep
        const int command = at(i + 1);
        if (command == IAC) {
            out.kept.push_back('\xff');
            i += 2;
        } else if (command >= WILL && command <= DONT) {
            i += 3;
        } else if (command == SB) {
            std::size_t k = i + 2;
            for (;;) {
                if (k >= in.size()) return out;  // still inside at the end
                if (at(k) == IAC) {
                    if (k + 1 < in.size() && at(k + 1) == SE) break;
                    k += 2;  // IAC IAC or IAC <other>: both stay inside
                } else {
                    ++k;
                }
            }
            i = k + 2;
        } else if (command == IP || command == BRK) {
            out.stop = true;
            return out;
        } else {
            i += 2;
        }
    }
    return out;
}

TEST(TelnetFilter, MatchesReferenceOnIacHeavyRandomInput) {
    std::mt19937 rng(20240601);
    std::uniform_int_distribution<int> kind(0, 99);
    std::uniform_int_distribution<int> any(0, 255);
    std::uniform_int_distribution<int> command(SE, DONT);
    std::uniform_int_distribution<int> length(0, 400);
    std::uniform_int_distribution<int> chunk(1, 13);
    int stopped = 0;
    for (int trial = 0; trial < 2000; ++trial) {
        const bool allow_stop = trial % 4 == 0;
        std::string input;
        const int n = length(rng);
        for (int k = 0; k < n; ++k) {
            const int r = kind(rng);
            int byte = r < 40 ? IAC : r < 70 ? command(rng) : any(rng);
            if (!allow_stop && (byte == IP || byte == BRK)) byte = 'x';
            input.push_back(static_cast<char>(byte));
        }
        const Output expected = reference(input);
        stopped += expected.stop ? 1 : 0;

        TelnetFilter filter;
        std::vector<std::string> chunks;
        for (std::size_t pos = 0; pos < input.size();) {
            const std::size_t size = static_cast<std::size_t>(chunk(rng));
            chunks.push_back(input.substr(pos, size));
            pos += size;
        }
        const Output out = run_chunks(filter, chunks);
        ASSERT_EQ(out.kept, expected.kept) << "trial " << trial;
        ASSERT_EQ(out.stop, expected.stop) << "trial " << trial;
    }
    // The generator must exercise the stop path too, or the test proves less than it claims.
    EXPECT_GT(stopped, 50);
}

}  // namespace
}  // namespace hellod
