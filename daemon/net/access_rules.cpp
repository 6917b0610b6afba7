#include "net/access_rules.hpp"

#include <algorithm>

namespace hellod {

AccessRules::Verdict AccessRules::check(const sockaddr* peer, socklen_t length) const noexcept {
    Verdict verdict;
    if (empty()) return verdict;  // the common case costs nothing, not even the address
    verdict.peer = net::IpAddress::of(peer, length);
    // Without an IP address a peer matches no rule: an allow list cannot admit it, deny rules
    // cannot refuse it.
    if (!verdict.peer) {
        verdict.admitted = allow_.empty();
        return verdict;
    }
    const auto matches = [&](const net::Cidr& network) { return network.contains(*verdict.peer); };
    if (const auto denied = std::ranges::find_if(deny_, matches); denied != deny_.end()) {
        verdict.admitted = false;
        verdict.rule = *denied;
        return verdict;
    }
    verdict.admitted = allow_.empty() || std::ranges::any_of(allow_, matches);
    return verdict;
}

std::vector<std::string> AccessRules::warnings() const {
    std::vector<std::string> out;
    for (const auto& allowed : allow_) {
        const auto covering = std::ranges::find_if(
            deny_, [&](const net::Cidr& denied) { return denied.contains(allowed); });
        if (covering == deny_.end()) continue;
        out.push_back("allow " + allowed.to_string() + " can never admit anyone: deny " +
                      covering->to_string() +
                      " covers it, and deny wins (an allow list needs no deny rule to refuse "
                      "everyone else)");
    }
    return out;
}

std::string reason(const AccessRules::Verdict& verdict) {
    if (verdict.rule) return "deny " + verdict.rule->to_string();
    if (!verdict.peer) return "no allow rule can match a peer without an IP address";
    return "no allow rule matches";
}

}  // namespace hellod
