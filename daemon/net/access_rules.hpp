#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>
#include <vector>

#include "net/cidr.hpp"

namespace hellod {

// The allow and deny settings: which peers may hold a session. A peer that matches a deny rule
// is refused (deny wins, whatever the order the rules were written in); when there is any allow
// rule, a peer must match one to be admitted; with no rules everybody is. IPv4-mapped IPv6 peers
// are matched as the IPv4 address they carry. A peer that has no IP address (AF_UNIX, from
// inetd, socat or a socket unit) matches no rule: an allow list refuses it, deny rules alone
// admit it (the server warns once either way).
//
// The rules are parsed once, when the settings are read; a check is a scan of the parsed
// networks, a mask and a compare each.
class AccessRules {
  public:
    void allow(const net::Cidr& network) { allow_.push_back(network); }
    void deny(const net::Cidr& network) { deny_.push_back(network); }

    // The rules in the order they were given.
    const std::vector<net::Cidr>& allowed() const noexcept { return allow_; }
    const std::vector<net::Cidr>& denied() const noexcept { return deny_; }
    bool empty() const noexcept { return allow_.empty() && deny_.empty(); }

    struct Verdict {
        bool admitted = true;
        std::optional<net::IpAddress> peer;  // nullopt for a peer without an IP address
        // For a refusal, the deny rule that matched it; nullopt when no allow rule matched.
        std::optional<net::Cidr> rule;
    };
    Verdict check(const sockaddr* peer, socklen_t length) const noexcept;

    // Allow rules that can never admit anyone because a deny rule covers them (the nginx habit
    // of ending with "deny all" would refuse everybody here), one sentence each.
    std::vector<std::string> warnings() const;

    bool operator==(const AccessRules&) const = default;

  private:
    std::vector<net::Cidr> allow_;
    std::vector<net::Cidr> deny_;
};

// Why a refused peer was refused, for the log: "deny 192.0.2.0/24" or "no allow rule matches".
std::string reason(const AccessRules::Verdict& verdict);

}  // namespace hellod
