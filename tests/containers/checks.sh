# shellcheck shell=bash disable=SC2034  # PASSED/FAILED are read by the scripts that source this
# Reporting and protocol checks shared by the container tests (tests/systemd/in_container.sh,
# tests/containers/image.sh, tests/deploy/kubernetes_play.sh). Needs TMP (a scratch directory)
# and T_START (SECONDS at start); a script may define `diagnostics`, which finish runs after a
# failure once CONTAINER_UP is set.
#
#   step DESC CMD...          runs CMD, prints "ok - DESC" or "FAIL - DESC: <its output>"
#   fatal WHY                 a set-up step failed: counts it and finishes
#   finish                    prints "N passed, N failed" and exits 1 if anything failed
#   timing WHAT SECONDS       a "# time:" line
#   expect_out WANT CMD...    CMD's output must be WANT
#   converse PORT WELCOME [FAREWELL]
#                             the README's nc transcript, byte-exact
#   welcome_is PORT WELCOME   converse, quietly (for polling)
#   hold_session NAME PORT WELCOME
#                             a client that stays connected (until told) and got WELCOME
#   held_session_told NAME WELCOME
#                             after a stop: that client got WELCOME, the shutdown line, the close
#   metrics_served PORT       the metrics page counts an exit session and passes promtool
#   probes_apart PORT         after a health check: a probe session counted, and the transcript
#                             the only exit session (the probes are not in the traffic's counts)
#   healthy CONTAINER         `podman healthcheck run` passes and the status reads healthy
#   pid1_non_root CONTAINER   hellod is the container's PID 1, uid/gid 10001, no capabilities

PASSED=0
FAILED=0

# step DESC CMD [ARGS...]: runs CMD with its output captured; prints "ok - DESC" when it
# succeeds, else "FAIL - DESC: " and the end of its output. Returns CMD's status.
step() {
    local desc=$1 rc
    shift
    "$@" >"$TMP/step.out" 2>&1
    rc=$?
    if ((rc == 0)); then
        echo "ok - $desc"
        PASSED=$((PASSED + 1))
    else
        echo "FAIL - $desc: $(tail -c 1500 "$TMP/step.out" | tr '\n' ' ' | sed 's/ *$//')"
        FAILED=$((FAILED + 1))
    fi
    return "$rc"
}

# fatal WHY: a set-up step failed; nothing else can run.
fatal() {
    echo "FAIL - set-up: $*"
    FAILED=$((FAILED + 1))
    finish
}

finish() {
    if ((FAILED > 0)) && [[ -n ${CONTAINER_UP:-} ]] && declare -F diagnostics >/dev/null; then
        diagnostics
    fi
    timing "total" $((SECONDS - T_START))
    echo "$PASSED passed, $FAILED failed"
    exit $((FAILED > 0))
}

timing() { printf '# time: %-28s %4ds\n' "$1" "$2"; }

# expect_out WANT CMD...: CMD's standard output must be WANT.
expect_out() {
    local want=$1 got
    shift
    got=$("$@" 2>&1)
    [[ $got == "$want" ]] && return 0
    printf '%s printed %q, wanted %q\n' "$*" "$got" "$want"
    return 1
}

TRANSCRIPT_IN='Michael\r\nTracy\n\n  Sarah  \nexit\n'
# expected WELCOME [FAREWELL]: the server's side of the README's transcript, byte for byte.
expected() {
    printf '%s\r\nHello, Michael!\r\nHello, Tracy!\r\nHello, Sarah!\r\n%s\r\n' "$1" "${2:-Bye!}"
}

# converse PORT WELCOME [FAREWELL]: the README's conversation with nc from the host; the bytes
# received must be exactly the expected ones.
converse() {
    local port=$1 welcome=$2 farewell=${3:-Bye!}
    # shellcheck disable=SC2059  # the transcript is a printf format on purpose
    printf "$TRANSCRIPT_IN" | timeout 15 nc -q1 127.0.0.1 "$port" >"$TMP/got" 2>"$TMP/nc.err"
    expected "$welcome" "$farewell" >"$TMP/want"
    cmp -s "$TMP/got" "$TMP/want" && return 0
    echo "received: $(od -An -c -v "$TMP/got" | tr -s ' \n' ' ' | head -c 400)"
    echo "wanted:   $(od -An -c -v "$TMP/want" | tr -s ' \n' ' ')"
    [[ -s $TMP/nc.err ]] && echo "nc: $(head -c 300 "$TMP/nc.err")"
    return 1
}

# welcome_is PORT WELCOME: quiet form of converse for polling.
welcome_is() { converse "$@" >/dev/null 2>&1; }

declare -A HELD_PID=() HELD_IN=()

# hold_session NAME PORT WELCOME: a client that stays connected (its input is a FIFO nobody
# writes to) until held_session_told; returns once it has received WELCOME.
hold_session() {
    local name=$1 port=$2 welcome=$3 fd
    mkfifo "$TMP/$name.in" || return 1
    exec {fd}<>"$TMP/$name.in"
    HELD_IN[$name]=$fd
    # socat, not nc: it ends 0.1 s after the server closes, though its own input stays open.
    timeout 60 socat -t 0.1 - "TCP:127.0.0.1:$port" <"$TMP/$name.in" >"$TMP/$name.out" \
        2>/dev/null &
    HELD_PID[$name]=$!
    ct_wait 10 "$name's welcome" grep -qF -- "$welcome" "$TMP/$name.out"
}

held_session_ended() { ! kill -0 "${HELD_PID[$1]}" 2>/dev/null; }

# held_session_told NAME WELCOME: the client must have ended on its own (the server closed),
# having received exactly WELCOME and the shutdown line.
held_session_told() {
    local name=$1 welcome=$2 fd=${HELD_IN[$1]}
    ct_wait 10 "$name to end" held_session_ended "$name" || return 1
    exec {fd}>&-
    wait "${HELD_PID[$name]}"
    printf '%s\r\nError: server shutting down\r\n' "$welcome" >"$TMP/$name.want"
    cmp -s "$TMP/$name.want" "$TMP/$name.out" && return 0
    echo "$name got: $(od -An -c -v "$TMP/$name.out" | tr -s ' \n' ' ' | head -c 300)"
    return 1
}

# metrics_served PORT: the endpoint answers from inside the locked-down container, counts the
# transcript's session (health checks are probe sessions, counted apart), and promtool accepts
# the page.
metrics_served() {
    local page="$TMP/metrics.txt"
    curl -sS --fail --max-time 10 -o "$page" "http://127.0.0.1:$1/metrics" || return 1
    grep -qE '^hellod_sessions_ended_total\{end="exit"\} [1-9][0-9]*$' "$page" || {
        echo "no exit session counted: $(grep sessions_ended "$page")"
        return 1
    }
    grep -qE '^hellod_build_info\{version="[^"]+"\} 1$' "$page" || return 1
    if command -v promtool >/dev/null; then promtool check metrics <"$page" || return 1; fi
}

# probe_counted PORT: the page (left in probes.txt) counts a probe session.
probe_counted() {
    curl -sS --fail --max-time 10 -o "$TMP/probes.txt" "http://127.0.0.1:$1/metrics" &&
        grep -qE '^hellod_probe_sessions_total [1-9][0-9]*$' "$TMP/probes.txt"
}
# probes_apart PORT: after `podman healthcheck run`, hellod_probe_sessions_total has counted it
# (polled: the count comes as the session ends, a moment after the probe has its answer) and the
# transcript is still the only exit session.
probes_apart() {
    ct_wait 10 "a probe session counted" probe_counted "$1" || {
        echo "no probe session counted: $(grep probe_sessions "$TMP/probes.txt")"
        return 1
    }
    grep -qE '^hellod_sessions_ended_total\{end="exit"\} 1$' "$TMP/probes.txt" || {
        echo "the health checks were counted as traffic: $(grep sessions_ended "$TMP/probes.txt")"
        return 1
    }
}

health_status() { PM_TIMEOUT=30 pm inspect -f '{{.State.Health.Status}}' "$1"; }
healthy() {
    PM_TIMEOUT=60 pm healthcheck run "$1" || return 1
    expect_out healthy health_status "$1"
}

# hellod is the container's PID 1, as uid and gid 10001, with no capabilities left.
pid1_non_root() {
    local pid status
    pid=$(PM_TIMEOUT=30 pm inspect -f '{{.State.Pid}}' "$1") || return 1
    status=$(<"/proc/$pid/status") || return 1
    expect_out /usr/sbin/hellod sh -c "tr '\\0' '\\n' </proc/$pid/cmdline | head -n 1" || return 1
    grep -qE '^NSpid:.*[[:space:]]1$' <<<"$status" || {
        echo "not PID 1 in its namespace: $(grep NSpid <<<"$status")"
        return 1
    }
    grep -qE '^Uid:[[:space:]]+10001[[:space:]]+10001[[:space:]]+10001[[:space:]]+10001$' <<<"$status" &&
        grep -qE '^Gid:[[:space:]]+10001[[:space:]]+10001[[:space:]]+10001[[:space:]]+10001$' <<<"$status" &&
        grep -qE '^CapEff:[[:space:]]+0+$' <<<"$status" && return 0
    grep -E '^(Uid|Gid|CapEff):' <<<"$status"
    return 1
}
