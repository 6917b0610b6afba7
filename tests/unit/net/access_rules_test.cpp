// AccessRules: deny wins, an allow list refuses everyone else, no rules admit everybody.
#include "net/access_rules.hpp"

#include <gtest/gtest.h>
#include <sys/un.h>

#include <initializer_list>
#include <string>

#include "socket_address.hpp"

namespace hellod {
namespace {

using testing::socket_address;

AccessRules rules(std::initializer_list<const char*> allow,
                  std::initializer_list<const char*> deny) {
    AccessRules out;
    for (const char* text : allow)
        out.allow(net::Cidr::parse(text));
    for (const char* text : deny)
        out.deny(net::Cidr::parse(text));
    return out;
}

AccessRules::Verdict check(const AccessRules& r, const std::string& peer) {
    const auto address = socket_address(peer, 40000);
    return r.check(address.get(), address.length);
}

bool admits(const AccessRules& r, const std::string& peer) {
    return check(r, peer).admitted;
}

TEST(AccessRules, NoRulesAdmitEverybody) {
    const AccessRules none;
    EXPECT_TRUE(none.empty());
    const auto verdict = check(none, "192.0.2.7");
    EXPECT_TRUE(verdict.admitted);
    EXPECT_FALSE(verdict.peer);  // not even the address is worked out
    EXPECT_TRUE(admits(none, "2001:db8::1"));
}

TEST(AccessRules, DenyRefusesItsNetworkAndAdmitsTheRest) {
    const auto r = rules({}, {"192.0.2.0/24", "2001:db8::/32"});
    const auto verdict = check(r, "192.0.2.7");
    EXPECT_FALSE(verdict.admitted);
    ASSERT_TRUE(verdict.rule);
    EXPECT_EQ(verdict.rule->to_string(), "192.0.2.0/24");
    EXPECT_EQ(reason(verdict), "deny 192.0.2.0/24");
    EXPECT_EQ(reason(check(r, "2001:db8::5")), "deny 2001:db8::/32");
    EXPECT_TRUE(admits(r, "198.51.100.1"));
    EXPECT_TRUE(admits(r, "2001:db9::1"));
}

TEST(AccessRules, AnAllowListRefusesEveryoneElse) {
    const auto r = rules({"192.0.2.0/24", "::1"}, {});
    EXPECT_TRUE(admits(r, "192.0.2.200"));
    EXPECT_TRUE(admits(r, "::1"));
    const auto verdict = check(r, "198.51.100.1");
    EXPECT_FALSE(verdict.admitted);
    EXPECT_FALSE(verdict.rule);
    EXPECT_EQ(reason(verdict), "no allow rule matches");
    EXPECT_FALSE(admits(r, "::2"));
    EXPECT_FALSE(admits(r, "127.0.0.1"));  // loopback is not special
}

TEST(AccessRules, DenyWinsWhateverTheOrder) {
    AccessRules allow_first;
    allow_first.allow(net::Cidr::parse("10.0.0.0/8"));
    allow_first.deny(net::Cidr::parse("10.0.0.5"));
    AccessRules deny_first;
    deny_first.deny(net::Cidr::parse("10.0.0.5"));
    deny_first.allow(net::Cidr::parse("10.0.0.0/8"));
    for (const auto* r : {&allow_first, &deny_first}) {
        EXPECT_EQ(reason(check(*r, "10.0.0.5")), "deny 10.0.0.5/32");
        EXPECT_FALSE(admits(*r, "10.0.0.5"));
        EXPECT_TRUE(admits(*r, "10.0.0.6"));
        EXPECT_FALSE(admits(*r, "11.0.0.1"));  // and the allow list still refuses the rest
    }
    // The same address allowed and denied outright: denied.
    EXPECT_FALSE(admits(rules({"192.0.2.7"}, {"192.0.2.7"}), "192.0.2.7"));
}

TEST(AccessRules, TheFirstMatchingDenyRuleIsNamed) {
    const auto r = rules({}, {"10.0.0.0/8", "10.1.0.0/16"});
    EXPECT_EQ(reason(check(r, "10.1.2.3")), "deny 10.0.0.0/8");
}

TEST(AccessRules, MappedPeersAreMatchedAsIpv4) {
    const auto deny = rules({}, {"192.0.2.0/24"});
    EXPECT_FALSE(admits(deny, "::ffff:192.0.2.7"));
    EXPECT_TRUE(admits(deny, "::ffff:198.51.100.7"));
    const auto allow_v4 = rules({"127.0.0.1"}, {});
    EXPECT_TRUE(admits(allow_v4, "::ffff:127.0.0.1"));
    // An IPv6 allow list says nothing about IPv4 clients, also on a dual-stack socket.
    const auto allow_v6 = rules({"::/0"}, {});
    EXPECT_FALSE(admits(allow_v6, "::ffff:127.0.0.1"));
    EXPECT_TRUE(admits(allow_v6, "::1"));
}

// Such a peer (--inetd under socat, a UNIX socket unit) matches no rule: an allow list cannot
// admit it, deny rules alone cannot refuse it.
TEST(AccessRules, PeersWithoutAnIpAddressMatchNoRule) {
    sockaddr_un local{};
    local.sun_family = AF_UNIX;
    const auto* peer = reinterpret_cast<const sockaddr*>(&local);
    const auto allowed = rules({"192.0.2.0/24"}, {}).check(peer, sizeof local);
    EXPECT_FALSE(allowed.admitted);
    EXPECT_FALSE(allowed.peer);
    EXPECT_EQ(reason(allowed), "no allow rule can match a peer without an IP address");
    const auto denied = rules({}, {"0.0.0.0/0", "::/0"}).check(peer, sizeof local);
    EXPECT_TRUE(denied.admitted);
    EXPECT_TRUE(rules({}, {}).check(peer, sizeof local).admitted);
}

TEST(AccessRules, WarnsOfAllowRulesADenyRuleCovers) {
    EXPECT_TRUE(rules({"10.0.0.0/8"}, {"10.1.0.0/16"}).warnings().empty());
    EXPECT_TRUE(rules({"10.0.0.0/8"}, {"192.0.2.0/24", "::/0"}).warnings().empty());
    const auto nginx_habit = rules({"192.0.2.0/24", "2001:db8::/32"}, {"0.0.0.0/0"});
    ASSERT_EQ(nginx_habit.warnings().size(), 1u);
    EXPECT_EQ(nginx_habit.warnings()[0],
              "allow 192.0.2.0/24 can never admit anyone: deny 0.0.0.0/0 covers it, and deny "
              "wins (an allow list needs no deny rule to refuse everyone else)");
    EXPECT_EQ(rules({"10.1.0.0/16", "10.2.0.0/16"}, {"10.0.0.0/8"}).warnings().size(), 2u);
}

TEST(AccessRules, EqualWhenTheSameRulesWereGiven) {
    EXPECT_EQ(rules({"10.0.0.0/8"}, {"10.0.0.5"}), rules({"10.0.0.0/8"}, {"10.0.0.5/32"}));
    EXPECT_NE(rules({"10.0.0.0/8"}, {}), rules({}, {"10.0.0.0/8"}));
}

}  // namespace
}  // namespace hellod
