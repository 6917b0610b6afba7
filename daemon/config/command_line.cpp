// The one translation unit that includes Boost.Program_Options.
#include "config/command_line.hpp"

#include <boost/program_options.hpp>
#include <sstream>

#include "config/config_error.hpp"
#include "config/setting_table.hpp"
#include "text/escape.hpp"

namespace hellod {
namespace {

namespace po = boost::program_options;

// The general options by hand; the settings from the table, with their defaults from Settings{}.
struct Options {
    po::options_description general{"General options"};
    po::options_description settings{"Settings"};
    po::options_description all;

    Options() {
        general.add_options()                           //
            ("help,h", "show this help and exit")       //
            ("version,V", "show the version and exit")  //
            ("config,c", po::value<std::string>()->value_name("FILE"),
             "read settings from FILE (also HELLOD_CONFIG; no file is read by default)")  //
            ("test-config,t", "check the settings and exit")                              //
            ("inetd",
             "serve one session on the connected socket that is standard input, then exit (for "
             "inetd, or a systemd socket with Accept=yes)")                             //
            ("print-config", "print the effective settings as a config file and exit")  //
            ("probe", po::value<std::string>()->value_name("HOST:PORT")->implicit_value(""),
             "health check: hold one short session with the hellod at HOST:PORT (by default each "
             "listen address, a wildcard meaning loopback) as the settings say it should answer; "
             "exit 0 if it does, 1 if not")  //
            ("probe-timeout", po::value<std::string>()->value_name("SECONDS"),
             "how long --probe waits for the whole session (default 5)");

        const Settings defaults;
        auto add = settings.add_options();
        for (const auto& def : setting_defs()) {
            const std::string spec =
                def.short_name ? std::string(def.name) + ',' + def.short_name : def.name;
            if (def.list) {  // repeatable, and its default is described in the help
                add(spec.c_str(), po::value<std::vector<std::string>>()->value_name(def.value_name),
                    def.help);
                continue;
            }
            const std::string shown_default = def.show(defaults);
            auto* semantic = po::value<std::string>()
                                 ->value_name(def.value_name)
                                 ->default_value(shown_default, shown_default);
            // A bare --udp-echo reads as "on", the way a flag does.
            if (std::string_view(def.value_name) == "BOOL")
                semantic->implicit_value("true", "true");
            add(spec.c_str(), semantic, def.help);
        }
        all.add(general).add(settings);
    }
};

po::parsed_options parse_options(std::span<const char* const> args, const Options& options) {
    std::vector<std::string> tokens;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i]) tokens.emplace_back(args[i]);
    }
    // Guessing is off: "--max" must not quietly become --max-line-bytes in one version and an
    // ambiguity error in the next.
    const auto style =
        po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    try {
        auto parsed = po::command_line_parser(tokens).options(options.all).style(style).run();
        for (const auto& option : parsed.options) {
            if (option.string_key.empty()) {
                const auto& token =
                    option.original_tokens.empty() ? std::string() : option.original_tokens[0];
                throw ConfigError(ConfigError::Kind::usage,
                                  "unexpected argument " + quoted_excerpt(token) + " (see --help)");
            }
        }
        return parsed;
    } catch (const po::unknown_option& e) {
        std::string name = e.get_option_name();
        if (name.starts_with("--")) name = name.substr(0, name.find('='));
        const auto guess = name.starts_with("--") ? suggestion(name.substr(2)) : std::nullopt;
        // Names as typed are escaped: a control byte in one must not reach the terminal raw.
        throw ConfigError(ConfigError::Kind::usage,
                          "unknown option " + escaped(name) +
                              (guess ? " (did you mean --" + *guess + "?)" : " (see --help)"));
    } catch (const po::invalid_command_line_syntax& e) {
        const auto name = escaped(e.get_option_name());
        switch (e.kind()) {
            case po::invalid_command_line_syntax::missing_parameter:
                throw ConfigError(ConfigError::Kind::usage, name + " needs a value (see --help)");
            case po::invalid_command_line_syntax::extra_parameter:
                throw ConfigError(ConfigError::Kind::usage, name + " does not take a value");
            case po::invalid_command_line_syntax::empty_adjacent_parameter:
                throw ConfigError(ConfigError::Kind::usage,
                                  name + "= has nothing after the '=' (write " + name +
                                      " '' for an empty value)");
            default:
                throw ConfigError(ConfigError::Kind::usage, escaped(e.what()) + " (see --help)");
        }
    } catch (const po::error& e) {
        // Boost's sentences quote the option as typed.
        throw ConfigError(ConfigError::Kind::usage, escaped(e.what()) + " (see --help)");
    }
}

// "--listen, --allow, --deny and --proxy-protocol-from", from the table.
std::string repeatable_options() {
    std::vector<std::string> names;
    for (const auto& def : setting_defs())
        if (def.list) names.push_back(std::string("--") + def.name);
    std::string text;
    for (std::size_t i = 0; i < names.size(); ++i)
        text += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
    return text;
}

// po::store rejects a setting given twice that does not repeat, and parses nothing else.
po::variables_map stored(const po::parsed_options& parsed) {
    po::variables_map vm;
    try {
        po::store(parsed, vm);
    } catch (const po::multiple_occurrences& e) {
        throw ConfigError(ConfigError::Kind::usage, e.get_option_name() +
                                                        " is given more than once (only " +
                                                        repeatable_options() + " repeat)");
    } catch (const po::error& e) {
        throw ConfigError(ConfigError::Kind::usage, escaped(e.what()) + " (see --help)");
    }
    return vm;
}

std::optional<std::string> string_of(const po::variables_map& vm, const char* name) {
    if (!vm.count(name)) return std::nullopt;
    return vm[name].as<std::string>();
}

}  // namespace

CommandLine parse_command_line(std::span<const char* const> args) {
    const Options options;
    const auto parsed = parse_options(args, options);
    const auto vm = stored(parsed);
    CommandLine out;
    out.help = vm.count("help") != 0;
    out.version = vm.count("version") != 0;
    out.test_config = vm.count("test-config") != 0;
    out.print_config = vm.count("print-config") != 0;
    out.inetd = vm.count("inetd") != 0;
    out.probe = string_of(vm, "probe");
    out.probe_timeout = string_of(vm, "probe-timeout");
    out.config = string_of(vm, "config");
    for (const auto& option : parsed.options) {
        if (!find_setting(option.string_key)) continue;
        // A bare flag (--udp-echo) has no token; the implicit value stands in for it.
        const std::vector<std::string> implicit{"true"};
        for (const auto& value : option.value.empty() ? implicit : option.value)
            out.settings.push_back({option.string_key, value, "--" + option.string_key});
    }
    return out;
}

std::string help_text() {
    const Options options;
    std::ostringstream table;
    table << options.all;
    // Boost pads wrapped lines and starts with blank lines; neither belongs in the output.
    std::string options_text;
    std::istringstream lines(table.str());
    for (std::string line; std::getline(lines, line);) {
        line.erase(line.find_last_not_of(' ') + 1);
        if (line.empty() && (options_text.empty() || options_text.ends_with("\n\n"))) continue;
        options_text += line + '\n';
    }
    return "Usage: hellod [options]\n"
           "A thread-per-connection TCP daemon that greets (or timestamps, or echoes) what clients "
           "send.\n\n" +
           options_text +
           "\nEvery option can also be set in the config file (name = value) or as HELLOD_NAME "
           "(dashes as underscores).\n"
           "The command line wins over the environment, which wins over the config file.\n"
           "SIGTERM or SIGINT stops hellod gracefully; SIGHUP reloads the settings.\n";
}

bool is_command_line_option(std::string_view name) {
    return Options().general.find_nothrow(std::string(name), false) != nullptr;
}

}  // namespace hellod
