#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "os/identity.hpp"

namespace hellod {

// The error open(path, O_RDONLY) meets once the process is `identity` as drop_privileges makes
// it (its uid and gid, no other group, no capabilities); 0 when the open succeeds. Found out by
// doing it in a child process that becomes `identity`, so that all the kernel checks counts: the
// file's mode and the search permission of each directory on the way (a relative path from the
// current directory, as a reload opens it), ACLs, security modules, an NFS server that squashes
// root. nullopt when it cannot be found out: the process is not root, so it could not become
// anyone else, or the child could not run.
std::optional<int> open_error_as(const Identity& identity, const std::string& path);

// "config file /etc/h.conf is not readable by user nobody (Permission denied), so ..."
std::string unreadable_config_warning(std::string_view path, std::string_view user, int error);

// For a daemon that reads `config_file` again, as `identity`, at each reload: the warning when
// identity cannot open it; nullopt when there is no file, identity can open it, or it cannot be
// found out.
std::optional<std::string> config_access_warning(const std::string& config_file,
                                                 const Identity& identity);

}  // namespace hellod
