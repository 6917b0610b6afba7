# shellcheck shell=bash
# What the deployment tests (haproxy.sh, prometheus.sh) share, beside tests/e2e/lib.sh's clients
# and checks: processes ended in reverse start order, bounded polls, a free port, the case runner.
# The script calls deploy_setup first, defines case_cleanup and print_logs, and counts PASSED
# and FAILED.

# deploy_setup NAME: the scratch directory TMP (CASE_DIR until a case sets its own), PIDS (every
# process started, a pid per line in order, for the cleanup), SERVE_AS (run as root, each hellod
# binds as root and drops to nobody, who must then read what is in TMP: hellod refuses to serve
# as root without --user), and the traps that end every process with the script.
deploy_setup() {
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/hellod-$1.XXXXXX") || exit 2
    PIDS=$TMP/pids
    : >"$PIDS"
    SERVE_AS=()
    if ((EUID == 0)); then
        SERVE_AS=(--user nobody --group nogroup)
        chmod 0755 "$TMP"
    fi
    trap cleanup EXIT
    trap 'exit 130' INT TERM HUP
    CASE_DIR=$TMP
}

# log_tails: the last 20 lines of every log in TMP, for print_logs.
log_tails() {
    local f
    for f in "$TMP"/*.log; do
        [[ -e $f ]] || continue
        echo "--- ${f##*/} (last 20 lines)"
        tail -n 20 -- "$f" | sed 's/^/    /'
    done
}

# alive PID: running, not a zombie (a wrapper whose case subshell has ended is reparented and
# may stay a zombie for a while: it has ended all the same).
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}
dead() { ! alive "$1"; }

# end_process PID: TERM, up to 2 s to go, then KILL. Only processes this script started.
end_process() {
    local pid=$1
    alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null
    poll 2 dead "$pid" || kill -KILL "$pid" 2>/dev/null
    return 0
}

# A free TCP port below the ephemeral range (outgoing connections never take it meanwhile),
# random so that parallel runs rarely try the same one.
free_port() {
    local low hex port tries
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range
    ((low > 20100)) || low=32768
    for ((tries = 0; tries < 100; tries++)); do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % (low - 20000)))
        printf -v hex ':%04X ' "$port"
        awk -v p="$hex" 'FNR > 1 && index($2 " ", p) { found = 1 } END { exit !found }' \
            /proc/net/tcp /proc/net/tcp6 2>/dev/null && continue
        echo "$port"
        return 0
    done
    return 1
}

run_case() {
    local name=$1 fn=$2
    CASE_DIR=$TMP/$name
    mkdir -p "$CASE_DIR"
    if (
        trap case_cleanup EXIT
        "$fn"
    ); then
        printf 'ok   %s\n' "$name"
        PASSED=$((PASSED + 1))
    else
        printf 'FAIL %s: %s\n' "$name" "$(cat "$CASE_DIR/reason" 2>/dev/null || echo 'no reason recorded')"
        FAILED=$((FAILED + 1))
    fi
}

setup_failed() {
    printf 'FAIL setup: %s\n' "$*"
    print_logs
    echo "0 passed, 1 failed"
    exit 1
}

# poll_every STEP SECONDS CMD [ARGS...]: runs CMD every STEP seconds until it succeeds (0);
# 1 after SECONDS, and at once when CMD returns 2 (it will never succeed). For conditions with
# no event to wait for (a log line already written, a sample in Prometheus).
poll_every() {
    local step=$1 seconds=$2 deadline rc
    shift 2
    deadline=$(($(now_ms) + seconds * 1000))
    while :; do
        "$@"
        rc=$?
        ((rc == 0)) && return 0
        ((rc == 2)) && return 1
        (($(now_ms) >= deadline)) && return 1
        sleep "$step"
    done
}

# poll SECONDS CMD [ARGS...]: poll_every at 50 ms steps.
poll() { poll_every 0.05 "$@"; }

# cleanup: ends every process in $PIDS (a pid per line, in start order) in reverse order, then
# removes $TMP unless DEPLOY_KEEP=1. The script sets it as its EXIT trap.
cleanup() {
    local -a pids=()
    local i
    mapfile -t pids <"$PIDS"
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do end_process "${pids[i]}"; done
    if [[ ${DEPLOY_KEEP:-} == 1 ]]; then
        echo "$(basename -- "$0"): kept $TMP" >&2
    else
        rm -rf -- "$TMP"
    fi
}
