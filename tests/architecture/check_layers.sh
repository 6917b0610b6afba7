#!/usr/bin/env bash
# The layering rules of daemon/ (daemon/README.md), checked rather than only written:
#   1. every source file sits in a layer folder, and includes name the folder ("io/stream.hpp");
#   2. a layer includes only itself and the layers below it:
#        text < log < os < io < net < metrics < protocol < config < server < app
#   3. protocol/ and io/ include neither net/ nor a socket header: they see the connection only
#      through io/stream and io/transport;
#   4. below app/, nothing knows an exit code (exit_code, FatalError, sysexits.h);
#   5. Boost.Log is included by log/log.cpp alone, Boost.Program_Options by config/command_line.cpp,
#      Boost.Beast and Boost.Asio by metrics/http_exchange.cpp (all three are slow to compile).
#
#   check_layers.sh DAEMON_DIR     checks that tree: one line per violation, then "N passed, N failed"
#   check_layers.sh --self-test    plants one violation of each rule in a copy of daemon/ and checks
#                                  that each is caught, and that the clean copy passes
set -u

layers=(text log os io net metrics protocol config server app)

declare -A layer_rank
for i in "${!layers[@]}"; do layer_rank[${layers[$i]}]=$i; done

rank_of() {
    echo "${layer_rank[$1]:--1}"
}

# The code of a file without // comments, so that a comment may name what the code must not use.
code_of() {
    sed -e 's|//.*$||' "$1"
}

# check DAEMON_DIR: prints each violation; exits 1 if there is any.
check() {
    local root=$1 violations=0 files=0 file layer rank included inc_rank line
    report() { echo "violation: $*"; violations=$((violations + 1)); }
    while IFS= read -r file; do
        files=$((files + 1))
        local relative=${file#"$root"/}
        case $relative in
            */*/*) report "$relative: nested below a layer folder"; continue ;;
            */*) layer=${relative%%/*} ;;
            *) report "$relative: a source file at daemon/'s root (only layer folders and a README belong there)"
               continue ;;
        esac
        rank=$(rank_of "$layer")
        if [ "$rank" -lt 0 ]; then
            report "$relative: $layer/ is not a layer (${layers[*]})"
            continue
        fi
        while IFS= read -r line; do
            [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*([\"<])([^\">]+) ]] || continue
            included=${BASH_REMATCH[2]}
            if [ "${BASH_REMATCH[1]}" = '"' ]; then
                case $included in
                    */*) ;;
                    *) report "$relative: #include \"$included\" does not name its layer folder"; continue ;;
                esac
                inc_rank=$(rank_of "${included%%/*}")
                if [ "$inc_rank" -lt 0 ]; then
                    report "$relative: #include \"$included\" is in no layer"
                elif [ "$inc_rank" -gt "$rank" ]; then
                    report "$relative: $layer/ includes \"$included\", a layer above it"
                elif [[ ($layer = protocol || $layer = io) && $included = net/* ]]; then
                    report "$relative: $layer/ includes \"$included\": $layer/ knows no sockets"
                fi
                continue
            fi
            if [[ ($layer = protocol || $layer = io) &&
                  $included =~ ^(sys/socket\.h|sys/un\.h|netinet/.*|arpa/.*|netdb\.h|ifaddrs\.h|systemd/.*)$ ]]; then
                report "$relative: $layer/ includes <$included>: $layer/ knows no sockets"
            fi
            if [[ $included = boost/log/* && $relative != log/log.cpp ]]; then
                report "$relative: includes <$included>; only log/log.cpp includes Boost.Log"
            fi
            if [[ $included = boost/program_options* && $relative != config/command_line.cpp ]]; then
                report "$relative: includes <$included>; only config/command_line.cpp includes Boost.Program_Options"
            fi
            if [[ $included =~ ^boost/(beast|asio) && $relative != metrics/http_exchange.cpp ]]; then
                report "$relative: includes <$included>; only metrics/http_exchange.cpp includes Boost.Beast and Asio"
            fi
            if [[ $included = sysexits.h && $layer != app ]]; then
                report "$relative: includes <sysexits.h>; only app/ knows exit codes"
            fi
        done <"$file"
        if [ "$layer" != app ] && code_of "$file" | grep -qE '\b(exit_code|FatalError|EX_[A-Z]+)\b'; then
            report "$relative: $layer/ uses an exit code; only app/ knows them (throw an error that says what failed)"
        fi
    done < <(find "$root" -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) | sort)
    if [ "$files" -eq 0 ]; then
        report "no source files under $root"
    fi
    [ "$violations" -eq 0 ]
}

work=""
self_test() {
    local source=$1 passed=0 failed=0
    work=$(mktemp -d) || exit 1
    trap 'rm -rf "$work"' EXIT
    # plant NAME FILE TEXT: the copy of daemon/ with TEXT appended to FILE must fail the check.
    plant() {
        local name=$1 file=$2 text=$3
        rm -rf "$work/daemon" && cp -r "$source" "$work/daemon"
        mkdir -p "$(dirname "$work/daemon/$file")"
        printf '%s\n' "$text" >>"$work/daemon/$file"
        if check "$work/daemon" >"$work/out"; then
            echo "FAIL $name: not caught"
            failed=$((failed + 1))
        else
            echo "ok   $name: $(head -n 1 "$work/out")"
            passed=$((passed + 1))
        fi
    }
    rm -rf "$work/daemon" && cp -r "$source" "$work/daemon"
    if check "$work/daemon" >"$work/out"; then
        echo "ok   the clean tree passes"
        passed=$((passed + 1))
    else
        echo "FAIL the clean tree: $(head -n 1 "$work/out")"
        failed=$((failed + 1))
    fi
    plant protocol-includes-net protocol/echo.cpp '#include "net/fd.hpp"'
    plant io-includes-socket-header io/stream.cpp '#include <sys/socket.h>'
    plant protocol-includes-socket-header protocol/greeting.hpp '#include <netinet/in.h>'
    plant layer-includes-above net/address.cpp '#include "server/server.hpp"'
    plant text-includes-log text/utf8.cpp '#include "log/log.hpp"'
    plant server-uses-exit-code server/server.cpp 'int f() { return exit_code::config; }'
    plant net-throws-fatal-error net/listener.cpp 'void g() { throw FatalError(71, "x"); }'
    plant config-includes-sysexits config/values.cpp '#include <sysexits.h>'
    plant include-without-folder server/workers.cpp '#include "stream.hpp"'
    plant boost-log-elsewhere server/session.cpp '#include <boost/log/core.hpp>'
    plant program-options-elsewhere config/invocation.cpp '#include <boost/program_options.hpp>'
    plant beast-elsewhere server/metrics_page.cpp '#include <boost/beast/http.hpp>'
    plant metrics-includes-server metrics/exposition.cpp '#include "server/server.hpp"'
    plant file-at-the-root stray.cpp 'int x;'
    plant unknown-folder util/helpers.hpp '#pragma once'
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

case ${1:-} in
    --self-test)
        self_test "$(cd "$(dirname "$0")/../../daemon" && pwd)"
        ;;
    "")
        echo "usage: $0 DAEMON_DIR | --self-test" >&2
        exit 64
        ;;
    *)
        if check "$1"; then
            echo "ok   every file of $1 keeps to its layer"
            echo "1 passed, 0 failed"
        else
            echo "0 passed, 1 failed"
            exit 1
        fi
        ;;
esac
