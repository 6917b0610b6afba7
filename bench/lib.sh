# shellcheck shell=bash
# Shared by bench/run.sh and tests/bench/bench_smoke.sh.

# wait_accepting PID PORT [TRIES]: 0 once 127.0.0.1:PORT accepts a connection; 1 when PID has
# exited or TRIES polls (50 ms apart, 100 by default) found nothing. A port has no event to
# wait on, so this polls, with a bound.
wait_accepting() {
    local pid=$1 port=$2 tries=${3:-100}
    for _ in $(seq 1 "$tries"); do
        kill -0 "$pid" 2>/dev/null || return 1
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# stop_server [SECONDS]: SIGTERM to SERVER_PID (when set), SIGKILL if it has not exited after
# SECONDS (10), reaped either way; clears SERVER_PID.
stop_server() {
    [ -n "${SERVER_PID:-}" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null
    timeout "${1:-10}" tail --pid="$SERVER_PID" -f /dev/null 2>/dev/null ||
        kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=''
}
