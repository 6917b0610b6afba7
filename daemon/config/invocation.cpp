#include "config/invocation.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string_view>

#include "config/checks.hpp"
#include "config/command_line.hpp"
#include "config/config_error.hpp"
#include "config/file_settings.hpp"
#include "config/setting_table.hpp"
#include "config/values.hpp"
#include "os/host_name.hpp"

namespace hellod {
namespace {

// Checks every value one source gives, so that a bad value is reported even when a higher
// source overrides it (else --test-config would pass a file that fails on its own). Each value
// alone, then all of the source's together: a listen address given twice is the second one's
// mistake, at its place.
void check_values(const std::vector<Assignment>& assignments, ConfigError::Kind kind) {
    Settings together;
    for (const auto& assignment : assignments) {
        Settings scratch;
        try {
            find_setting(assignment.name)->apply(scratch, assignment.value);
            find_setting(assignment.name)->apply(together, assignment.value);
        } catch (const std::invalid_argument& e) {
            throw ConfigError(kind, assignment.origin + ": " + e.what());
        }
    }
}

// Each setting's values from the highest source that gives it any (a repeatable one keeps all
// of that source's values, in order): the command line, then the environment, then the file.
using Chosen = std::map<std::string, std::vector<std::string>, std::less<>>;
Chosen by_precedence(std::initializer_list<const std::vector<Assignment>*> sources) {
    Chosen chosen;
    for (const auto* source : sources) {
        Chosen here;
        for (const auto& assignment : *source)
            if (!chosen.contains(assignment.name))
                here[assignment.name].push_back(assignment.value);
        chosen.merge(here);
    }
    return chosen;
}

// The options that choose what hellod does instead of serving; two of them cannot be combined.
void read_action(const CommandLine& command_line, Invocation& invocation) {
    std::vector<std::string> actions;
    // --inetd goes with --test-config (checking an inetd service's settings), not with --probe.
    if (command_line.probe && command_line.inetd) actions.emplace_back("--inetd");
    if (command_line.test_config) actions.emplace_back("--test-config");
    if (command_line.print_config) actions.emplace_back("--print-config");
    if (command_line.probe) actions.emplace_back("--probe");
    if (actions.size() > 1) {
        throw ConfigError(ConfigError::Kind::usage,
                          actions[0] + " and " + actions[1] + " cannot be combined");
    }
    if (command_line.test_config) invocation.action = Action::test_config;
    invocation.inetd = command_line.inetd;
    if (command_line.print_config) invocation.action = Action::print_config;
    if (command_line.probe) {
        invocation.action = Action::probe;
        invocation.probe_target = *command_line.probe;
    }
    if (command_line.probe_timeout) {
        if (!command_line.probe)
            throw ConfigError(ConfigError::Kind::usage, "--probe-timeout only applies to --probe");
        try {
            invocation.probe_timeout = parse_seconds(*command_line.probe_timeout,
                                                     "would give the server no time to answer");
        } catch (const std::invalid_argument& e) {
            throw ConfigError(ConfigError::Kind::usage,
                              std::string("--probe-timeout: ") + e.what());
        }
    }
    if (command_line.config && command_line.config->empty())
        throw ConfigError(ConfigError::Kind::usage, "--config needs a file name");
}

}  // namespace

Invocation parse_invocation(std::span<const char* const> args, const Environment& env) {
    Invocation invocation;
    const CommandLine command_line = parse_command_line(args);
    if (command_line.help) {
        invocation.action = Action::help;
        invocation.help_text = help_text();
        return invocation;
    }
    if (command_line.version) {
        invocation.action = Action::version;
        return invocation;
    }
    read_action(command_line, invocation);
    check_values(command_line.settings, ConfigError::Kind::usage);

    auto environment = read_environment(env);
    invocation.warnings = std::move(environment.warnings);
    check_values(environment.settings, ConfigError::Kind::invalid);

    std::vector<Assignment> file;
    if (const auto path = command_line.config ? command_line.config : environment.config) {
        file = read_config_file(*path);
        check_values(file, ConfigError::Kind::invalid);
        invocation.settings.config_file = *path;
    }

    const Chosen chosen = by_precedence({&command_line.settings, &environment.settings, &file});
    auto& settings = invocation.settings;
    for (const auto& def : setting_defs()) {
        if (const auto values = chosen.find(def.name); values != chosen.end())
            for (const auto& value : values->second)
                def.apply(settings, value);
    }
    const auto given = [&](std::string_view name) { return chosen.contains(name); };
    const auto sets_listen = [](const std::vector<Assignment>& source) {
        return std::ranges::any_of(source, [](const Assignment& a) { return a.name == "listen"; });
    };
    if (sets_listen(command_line.settings))
        invocation.listen_from = "--listen";
    else if (sets_listen(environment.settings))
        invocation.listen_from = "HELLOD_LISTEN";
    // Only greeting welcomes by default; timestamp sends a welcome only when one is set.
    if (settings.session.protocol != Protocol::greeting && !given("welcome"))
        settings.session.welcome.clear();
    // Read with the settings, so that a reload after a rename picks the new name up.
    settings.session.host.value = host_name();
    settings.session.reply.set_host(settings.session.host.value);
    check_settings(settings, given, invocation.warnings);
    if (settings.session.protocol == Protocol::echo)
        settings.session.welcome.clear();  // RFC 862: nothing but the client's own bytes
    return invocation;
}

}  // namespace hellod
