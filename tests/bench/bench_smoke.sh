#!/usr/bin/env bash
# hellod-bench against the real hellod, each mode for a fraction of a second:
#
#   bench_smoke.sh HELLOD HELLOD_BENCH
#
# Checks the JSON line of every mode with jq (zero errors, sensible figures), and that the
# checker can fail: a server answering 'Hi, bench!' must give mismatch errors, not a rate; a
# server expecting a PROXY header (--proxy-protocol-from) closes a churn without --proxy.
# Every server listens on its own free loopback port; every wait is bounded. Ends with
# "N passed, N failed".
set -uo pipefail

HELLOD=$1
BENCH=$2
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../../bench/lib.sh"
WORK=$(mktemp -d /tmp/bench-smoke.XXXXXX)
PASSED=0
FAILED=0
SERVER_PID=''
PORT=''

cleanup() {
    stop_server 6
    rm -rf "$WORK"
}
trap cleanup EXIT

# hellod refuses to serve as root without --user: as root (as CI runs), it drops to nobody.
AS=()
[ "$(id -u)" = 0 ] && AS=(--user nobody --group nogroup)

# start_server ARGS...: hellod on a free loopback port (PORT, SERVER_PID); waits until it
# accepts, polling at most 5 s.
start_server() {
    PORT=$("$BENCH" free-port) || return 1
    "$HELLOD" "${AS[@]}" --listen "127.0.0.1:$PORT" --log-level warning "$@" 2>>"$WORK/hellod.log" &
    SERVER_PID=$!
    wait_accepting "$SERVER_PID" "$PORT"
}

# bench ARGS...: one bounded hellod-bench run; its JSON in OUT, exit status in RC.
bench() {
    OUT=$(timeout 30 "$BENCH" "$@" 2>"$WORK/bench.err")
    RC=$?
}

# check NAME JQ_FILTER: passes when the last JSON line satisfies the filter.
check() {
    local name=$1 filter=$2
    if [ -n "$OUT" ] && jq -e "$filter" <<<"$OUT" >/dev/null 2>&1; then
        echo "PASS $name"
        PASSED=$((PASSED + 1))
    else
        echo "FAIL $name (exit $RC): ${OUT:-no output} $(head -c 300 "$WORK/bench.err")"
        FAILED=$((FAILED + 1))
    fi
}

# The figures every load mode must show when all went well.
SANE='.errors == 0 and ([.error_kinds[]] | add) == 0 and .ops > 0 and .rate > 0
      and .p50_us > 0 and .p50_us <= .p99_us and .p99_us <= .p999_us and .p999_us <= .max_us
      and .seconds > 0 and .client_cpu_pct >= 0'

start_server || echo "hellod did not start"
bench pingpong --target "127.0.0.1:$PORT" -c 8 -d 0.3 --warmup 0.1 --pid "$SERVER_PID"
check "pingpong greeting, 8 connections" "$RC == 0 and .mode == \"pingpong\" and .protocol ==
    \"greeting\" and .conns == 8 and .established == 8 and $SANE and .server_cpu_us_per_op > 0
    and .server_cpu_pct >= 0 and (.seconds | . >= 0.3 and . < 1)"

bench churn --target "127.0.0.1:$PORT" -c 4 -d 0.3 --pid "$SERVER_PID"
check "churn greeting, 4 slots" "$RC == 0 and .mode == \"churn\" and .proxy == \"none\" and $SANE
    and .server_cpu_us_per_op > 0"

bench hold --target "127.0.0.1:$PORT" -c 50 -d 0.2 --pid "$SERVER_PID"
check "hold 50, every one still answers" "$RC == 0 and .mode == \"hold\" and .held == 50
    and .answered == 50 and .errors == 0 and .server_rss_before_kb > 0
    and .server_rss_held_kb >= .server_rss_before_kb and .server_threads_held > 50"
OUT=$(grep -c '^held 50$' "$WORK/bench.err" | sed 's/^/{"n":/; s/$/}/')
check "hold says 'held 50' on stderr" '.n == 1'

# hold until a signal: wait (bounded) for 'held', then SIGTERM; the verify still runs.
# --foreground: timeout passes our SIGTERM on to hellod-bench once, not again to the group
# (a second one would cut the verify short).
timeout --foreground 30 "$BENCH" hold --target "127.0.0.1:$PORT" -c 20 >"$WORK/hold.out" \
    2>"$WORK/hold.err" &
HOLD_PID=$!
for _ in $(seq 1 100); do
    grep -q '^held' "$WORK/hold.err" && break
    sleep 0.05
done
kill -TERM "$HOLD_PID" 2>/dev/null
wait "$HOLD_PID"
RC=$?
OUT=$(cat "$WORK/hold.out")
check "hold until SIGTERM, then verify" "$RC == 0 and .held == 20 and .answered == 20
    and .errors == 0"
stop_server 6

start_server --protocol echo || echo "hellod (echo) did not start"
bench pingpong --protocol echo --target "127.0.0.1:$PORT" -c 4 -d 0.3 --pid "$SERVER_PID"
check "pingpong echo, 4 connections" "$RC == 0 and .protocol == \"echo\" and $SANE"
bench churn --protocol echo --target "127.0.0.1:$PORT" -c 4 -d 0.3
check "churn echo, 4 slots" "$RC == 0 and .protocol == \"echo\" and $SANE"
stop_server 6

# --proxy: each connection first sends a PROXY header naming a client of its own. The server
# allows 2 connections per client address, so 8 slots naming one client would be turned away
# (busy: mismatch errors). Without the header, the server closes every connection unanswered
# once its proxy-header-timeout is over: connect errors, nothing measured.
start_server --proxy-protocol-from 127.0.0.1/32 --max-connections-per-ip 2 \
    --proxy-header-timeout 0.2 || echo "hellod (proxy-protocol-from) did not start"
for v in v1 v2; do
    bench churn --proxy "$v" --target "127.0.0.1:$PORT" -c 8 -d 0.3 --pid "$SERVER_PID"
    check "churn --proxy $v, 8 slots, 2 connections per client address" "$RC == 0
        and .proxy == \"$v\" and $SANE and .server_cpu_us_per_op > 0"
done
bench hold --proxy v2 --target "127.0.0.1:$PORT" -c 20 -d 0.1 --setup-timeout 5
check "hold --proxy v2, 20 held, every one still answers" "$RC == 0 and .proxy == \"v2\"
    and .held == 20 and .answered == 20 and .errors == 0"
bench churn --target "127.0.0.1:$PORT" -c 8 -d 0.5
check "churn without --proxy is closed unanswered (connect errors, exit 3)" "$RC == 3
    and .proxy == \"none\" and .ops == 0 and .error_kinds.connect > 0"
stop_server 6

# The checker must be able to fail: a different reply is a mismatch, and nothing measured.
start_server --reply 'Hi, %s!' || echo "hellod (Hi) did not start"
bench pingpong --target "127.0.0.1:$PORT" -c 4 -d 0.3
check "a wrong reply is caught (mismatch, exit 3)" "$RC == 3 and .error_kinds.mismatch > 0
    and .ops == 0"
stop_server 6

# Nobody listening: connect errors, exit 3, within the connect timeout.
PORT=$("$BENCH" free-port)
bench pingpong --target "127.0.0.1:$PORT" -c 2 -d 0.1 --connect-timeout 0.2
check "no server: connect errors, exit 3" "$RC == 3 and .error_kinds.connect > 0"

bench startup --target "127.0.0.1:$PORT" -n 3 -- "$HELLOD" "${AS[@]}" --listen "127.0.0.1:$PORT" \
    --log-level warning
check "startup, 3 runs" "$RC == 0 and .mode == \"startup\" and .runs == 3 and .ok == 3
    and .errors == 0 and .min_ms > 0 and .min_ms <= .p50_ms and .p50_ms <= .max_ms
    and .max_ms < 5000"

bench startup --target "127.0.0.1:$PORT" -n 1 --timeout 0.3 -- sleep 5
check "startup of a command that never listens: timeout, exit 3" "$RC == 3 and .ok == 0
    and .error_kinds.timeout == 1"

# Usage errors: exit 64 and one sentence naming the option.
for args in "pingpong -c 0" "churn -d abc" "pingpong --protocol ftp" "hold --target nohost" \
    "pingpong --frobnicate" "startup --target 127.0.0.1:1" "churn --proxy v3"; do
    # shellcheck disable=SC2086  # split on purpose
    bench $args
    err=$(cat "$WORK/bench.err")
    opt=${args#* }
    opt=${opt%% *}
    if [ "$RC" = 64 ] && [ -z "$OUT" ] && [ "$(wc -l <<<"$err")" = 1 ] &&
        { [[ $err == *"$opt"* ]] || [[ $opt == --target && $err == *startup* ]]; }; then
        echo "PASS usage error: $args"
        PASSED=$((PASSED + 1))
    else
        echo "FAIL usage error: $args: exit $RC, stderr: $err"
        FAILED=$((FAILED + 1))
    fi
done

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
