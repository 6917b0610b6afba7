#!/usr/bin/env bash
# make bench: hellod (and, when ../shared/peers is beside the project, the reference servers)
# measured one at a time with hellod-bench, the same way for every server.
#
#   bench/run.sh BUILD_DIR
#
# Per server: started on a free loopback port pinned to CPU $SERVER_CPU (0), an nc transcript
# checked byte for byte, then hellod-bench pinned to CPU $CLIENT_CPU (1): pingpong at each of
# PP_CONNS (greeting), churn at CHURN_C, hold HOLD_N (RSS per connection, threads, all still
# answering), and the start-up time (median of STARTUP_RUNS). hellod also gets pingpong c=16
# with the echo protocol. Each pingpong/churn test runs REPS times after WARMUP s; the report
# shows the median run by rate, and the range.
#
# Env (defaults): DUR=5 WARMUP=1 REPS=3 HOLD_N=10000 HOLD_SECS=2 PP_CONNS="1 16 256"
#   CHURN_C=16 SETTLE=1 STARTUP_RUNS=11 SERVER_CPU=0 CLIENT_CPU=1 METRICS_PP_CONNS="16"
#   SERVERS="hellod tpc_greeter go_greeter asio_greeter epoll_greeter py_greeter"
#   PEERS=DIR (default: ../shared/peers beside the project; PEERS=none: hellod only)
#   OUT=DIR (default docs/): benchmarks.md, benchmarks.png, benchmarks.jsonl
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
BUILD=$(cd "${1:?usage: bench/run.sh BUILD_DIR}" && pwd) || exit 64
HELLOD=$BUILD/hellod
BENCH=$BUILD/hellod-bench
for b in "$HELLOD" "$BENCH"; do
    [ -x "$b" ] || { echo "run.sh: $b is not built (make build)" >&2; exit 1; }
done

DUR=${DUR:-5}
WARMUP=${WARMUP:-1}
REPS=${REPS:-3}
HOLD_N=${HOLD_N:-10000}
HOLD_SECS=${HOLD_SECS:-2}
PP_CONNS=${PP_CONNS:-"1 16 256"}
# hellod with its metrics endpoint on and scraped every second: pingpong at these, and churn.
METRICS_PP_CONNS=${METRICS_PP_CONNS:-"16"}
CHURN_C=${CHURN_C:-16}
SETTLE=${SETTLE:-1}
STARTUP_RUNS=${STARTUP_RUNS:-11}
SCPU=${SERVER_CPU:-0}
CCPU=${CLIENT_CPU:-1}
SERVERS=${SERVERS:-"hellod tpc_greeter go_greeter asio_greeter epoll_greeter py_greeter"}
PEERS=${PEERS:-$ROOT/../shared/peers}
OUT=${OUT:-$ROOT/docs}

RUN=$(mktemp -d /tmp/hellod-bench-run.XXXXXX)
REC=$RUN/records.jsonl
: >"$REC"
SERVER_PID=''
cleanup() {
    stop_server 10
    rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "[bench] $*" >&2; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# ---- the reference servers: a copy of the peers kit, built there (the shared dir is not written)
PEER_BIN=''
if [ "$PEERS" != none ] && [ -x "$PEERS/build.sh" ]; then
    mkdir -p "$RUN/peers"
    cp -r "$PEERS"/. "$RUN/peers/"
    rm -rf "$RUN/peers/bin" "$RUN/peers/results"
    say "building the references from $PEERS (a copy in $RUN/peers)"
    if nice -n 19 "$RUN/peers/build.sh" >"$RUN/peers-build.log" 2>&1; then
        PEER_BIN=$RUN/peers/bin
    else
        say "the references did not build (see below); hellod only"
        tail -5 "$RUN/peers-build.log" >&2
    fi
elif [ "$PEERS" != none ]; then
    say "no reference kit at $PEERS; hellod only"
fi

# server_cmd NAME PORT: the command line of a server, or nothing when it is not available.
# hellod runs with its defaults (info log, access lines, every limit), as users run it; started
# as root, it drops to nobody once bound, since it refuses to serve as root without --user. One
# exception: every benchmark client comes from 127.0.0.1, so the limit per address is off (the
# default, 64, would turn most of a c=1000 run away).
HELLOD_AS=' --max-connections-per-ip 0'
[ "$(id -u)" = 0 ] && HELLOD_AS="$HELLOD_AS --user nobody --group nogroup"
server_cmd() {
    case $1 in
        hellod) echo "$HELLOD --listen 127.0.0.1:$2$HELLOD_AS" ;;
        hellod-echo) echo "$HELLOD --listen 127.0.0.1:$2 --protocol echo$HELLOD_AS" ;;
        hellod-metrics) echo "$HELLOD --listen 127.0.0.1:$2 --metrics-listen 127.0.0.1:$METRICS_PORT$HELLOD_AS" ;;
        *) [ -n "$PEER_BIN" ] && [ -x "$PEER_BIN/$1" ] && echo "$PEER_BIN/$1 $2" ;;
    esac
}

# start_server NAME: on a free port (PORT), pinned to SCPU, stderr to a log file (as to
# journald); waits at most 10 s for it to accept.
start_server() {
    local cmd
    PORT=$("$BENCH" free-port) || return 1
    cmd=$(server_cmd "$1" "$PORT") || return 1
    # shellcheck disable=SC2086  # the command is split on purpose
    taskset -c "$SCPU" $cmd </dev/null >/dev/null 2>>"$RUN/$1.log" &
    SERVER_PID=$!
    wait_accepting "$SERVER_PID" "$PORT" 200 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || SERVER_PID=''
    return 1
}

# record SERVER TEST REP JSON: one line of benchmarks.jsonl (hellod-bench's fields and ours)
record() {
    local json=${4:-}
    [ -n "$json" ] || json='{"failed":true}'
    jq -c --arg server "$1" --arg test "$2" --argjson rep "$3" \
        '{server: $server, test: $test, rep: $rep} + .' <<<"$json" >>"$REC" 2>/dev/null ||
        echo "{\"server\":\"$1\",\"test\":\"$2\",\"rep\":$3,\"failed\":true}" >>"$REC"
}

# load NAME TEST ARGS...: REPS bounded hellod-bench runs on CCPU against the running server
load() {
    local name=$1 test=$2 r out tmo
    shift 2
    tmo=$(awk -v d="$DUR" -v w="$WARMUP" 'BEGIN { print int(d + w + 60) }')
    for r in $(seq 1 "$REPS"); do
        sleep "$SETTLE"
        out=$(timeout "$tmo" taskset -c "$CCPU" "$BENCH" "$@" --target "127.0.0.1:$PORT" \
            -d "$DUR" --warmup "$WARMUP" --pid "$SERVER_PID" 2>>"$RUN/bench.err" | tail -1)
        record "$name" "$test" "$r" "$out"
        say "$name: $test run $r: $(jq -r '"\(.rate) /s, \(.errors) errors"' <<<"${out:-null}" 2>/dev/null)"
    done
}

check_transcript() {
    local want got
    want=$(printf 'Welcome!\r\nHello, Michael!\r\nHello, Tracy!\r\nHello, Sarah!\r\nBye!\r\n' | od -c)
    got=$(printf 'Michael\r\nTracy\n\n  Sarah  \nexit\n' | timeout 10 nc -q1 127.0.0.1 "$PORT" | od -c)
    [ "$got" = "$want" ]
}

for name in $SERVERS; do
    if ! server_cmd "$name" 1 >/dev/null; then
        say "$name: not available (no reference kit built), skipped"
        continue
    fi
    say "$name: starting (CPU $SCPU)"
    if ! start_server "$name"; then
        say "$name: did not start"
        record "$name" check 1 '{"transcript":"did not start"}'
        stop_server 10
        continue
    fi
    if check_transcript; then t=ok; else t=FAIL; fi
    record "$name" check 1 "{\"transcript\":\"$t\"}"
    say "$name: transcript $t"

    for c in $PP_CONNS; do load "$name" "pingpong c=$c" pingpong -c "$c"; done
    load "$name" "churn c=$CHURN_C" churn -c "$CHURN_C"

    sleep "$SETTLE"
    out=$(timeout "$(awk -v s="$HOLD_SECS" 'BEGIN { print int(s + 300) }')" taskset -c "$CCPU" "$BENCH" hold --target "127.0.0.1:$PORT" \
        -c "$HOLD_N" -d "$HOLD_SECS" --pid "$SERVER_PID" 2>>"$RUN/bench.err" | tail -1)
    record "$name" "hold" 1 "$out"
    say "$name: hold $HOLD_N: $(jq -r '"\(.held) held, \(.answered) answered, RSS \(.server_rss_before_kb) -> \(.server_rss_held_kb) KiB"' <<<"${out:-null}" 2>/dev/null)"
    stop_server 10

    if [ "$name" = hellod ] && start_server hellod-echo; then
        load hellod "pingpong-echo c=16" pingpong -c 16 --protocol echo
        stop_server 10
    fi

    # The same pingpong and churn with the metrics endpoint on and scraped every second (as a
    # Prometheus with a short interval would), to set beside the runs above.
    if [ "$name" = hellod ] && METRICS_PORT=$("$BENCH" free-port) && start_server hellod-metrics; then
        taskset -c "$CCPU" bash -c 'while :; do curl -s -o /dev/null --max-time 2 "$1"; sleep 1; done' \
            scraper "http://127.0.0.1:$METRICS_PORT/metrics" &
        SCRAPER_PID=$!
        for c in $METRICS_PP_CONNS; do load hellod "pingpong c=$c metrics on" pingpong -c "$c"; done
        load hellod "churn c=$CHURN_C metrics on" churn -c "$CHURN_C"
        kill "$SCRAPER_PID" 2>/dev/null
        wait "$SCRAPER_PID" 2>/dev/null
        stop_server 10
    fi

    PORT=$("$BENCH" free-port)
    # shellcheck disable=SC2046  # the command is split on purpose
    out=$(timeout $((STARTUP_RUNS * 12 + 10)) taskset -c "$CCPU" "$BENCH" startup \
        --target "127.0.0.1:$PORT" -n "$STARTUP_RUNS" --server-cpu "$SCPU" \
        -- $(server_cmd "$name" "$PORT") 2>>"$RUN/bench.err" | tail -1)
    record "$name" startup 1 "$out"
    say "$name: startup $(jq -r '"\(.p50_ms) ms (median of \(.ok))"' <<<"${out:-null}" 2>/dev/null)"
done

# ---- the report: written beside OUT's files, then moved into place
mkdir -p "$OUT"
KNOBS="DUR=$DUR WARMUP=$WARMUP REPS=$REPS HOLD_N=$HOLD_N HOLD_SECS=$HOLD_SECS PP_CONNS=\"$PP_CONNS\" CHURN_C=$CHURN_C SETTLE=$SETTLE STARTUP_RUNS=$STARTUP_RUNS SERVER_CPU=$SCPU CLIENT_CPU=$CCPU SERVERS=\"$SERVERS\""
REPRO="make bench"
[ "${PEERS}" = none ] && REPRO="PEERS=none $REPRO"
REPRO="$KNOBS $REPRO"
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ] && COMMIT="$COMMIT (with uncommitted changes)"
CHART=''
if command -v gnuplot >/dev/null 2>&1; then
    if gnuplot -e 'set terminal pngcairo' 2>/dev/null; then CHART=pngcairo
    elif gnuplot -e 'set terminal png' 2>/dev/null; then CHART=png; fi
fi
if ! KNOBS=$KNOBS COMMIT=$COMMIT REPRO=$REPRO HOLD_N=$HOLD_N PP_CONNS=$PP_CONNS \
    CHURN_C=$CHURN_C SCPU=$SCPU CCPU=$CCPU NOFILE=$(ulimit -n) CHART=$CHART \
    python3 "$ROOT/bench/report.py" "$REC" "$RUN"; then
    say "the report could not be made; nothing in $OUT was changed"
    exit 1
fi
if [ -n "$CHART" ]; then
    if ! (cd "$RUN" && gnuplot chart.gp) 2>"$RUN/gnuplot.err"; then
        say "gnuplot failed: $(head -3 "$RUN/gnuplot.err")"
        exit 1
    fi
fi
cp "$REC" "$OUT/.benchmarks.jsonl.tmp" && mv -f "$OUT/.benchmarks.jsonl.tmp" "$OUT/benchmarks.jsonl"
if [ -n "$CHART" ]; then
    cp "$RUN/benchmarks.png" "$OUT/.benchmarks.png.tmp" && mv -f "$OUT/.benchmarks.png.tmp" "$OUT/benchmarks.png"
fi
cp "$RUN/benchmarks.md" "$OUT/.benchmarks.md.tmp" && mv -f "$OUT/.benchmarks.md.tmp" "$OUT/benchmarks.md"
say "report: $OUT/benchmarks.md"
