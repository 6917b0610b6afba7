#!/usr/bin/env bash
# Deployment test: three hellods behind a real haproxy that speaks the PROXY protocol to them.
# Usage: haproxy.sh HELLOD_BINARY
#
# haproxy (mode tcp, roundrobin) forwards to s1 with send-proxy (v1) and to s2 and s3 with
# send-proxy-v2; its health checks (tcp-check expecting the welcome) carry the header too. Each
# hellod trusts 127.0.0.1/32 (haproxy) for PROXY headers, allows 2 sessions per client address
# and denies 127.0.0.3. Clients bind to 127.0.0.2, .3 and .4, so every backend sees three
# different clients behind one balancer. The cases, in order (later ones use the state earlier
# ones leave; each restores what it steers):
#
#   a. byte-exact transcripts through haproxy; every backend logs the real clients, via haproxy
#   b. the per-address limit counts clients, not the balancer (servers steered through the
#      stats socket: a 3rd session from .2 on one backend is busy while .4 is welcomed there)
#   c. a client denied by --deny gets no byte, the backend logs "refused 127.0.0.3 via ..."
#   f. a PROXY line from an untrusted address, sent straight to a backend, is only a line
#   d. drain: SIGTERM with sessions open through haproxy, exit 0, haproxy marks it DOWN, the
#      others serve every new client
#   e. the backend restarted on the same port: haproxy marks it UP and sends it clients again
#   g. the health checks were real sessions; no "bad PROXY header" anywhere; haproxy never
#      marked a server DOWN but the drained one
#
# Prints one line per case ("ok   name" or "FAIL name: why") and ends with "N passed, N failed";
# exits 1 if any case failed (log tails printed), 77 without haproxy (ctest's skip), 2 on a bad
# invocation. Every wait is bounded: read -t, timeout(1), or a poll of a log file or of
# haproxy's stats socket every 50 ms (neither has an event to wait for) with a deadline. No
# fixed ports: the backends listen on port 0 and log theirs; haproxy's is a free one picked
# below the ephemeral range, tried again on a bind failure. DEPLOY_KEEP=1 keeps the scratch
# directory (configuration, logs, transcripts).
set -u

if (($# != 1)); then
    echo "usage: $0 HELLOD_BINARY" >&2
    exit 2
fi
HELLOD=$(realpath -- "$1" 2>/dev/null) || HELLOD=$1
if [[ ! -x $HELLOD || -d $HELLOD ]]; then
    echo "haproxy.sh: $1 is not an executable file" >&2
    exit 2
fi
if ! command -v haproxy >/dev/null; then
    echo "skipped: haproxy is not installed (apt-get install haproxy)"
    exit 77
fi
for tool in socat timeout tail mkfifo cmp od awk grep realpath; do
    command -v "$tool" >/dev/null || {
        echo "haproxy.sh: $tool is missing (make deps installs it)" >&2
        exit 2
    }
done

# A known environment: bytes, not characters; no settings or journal from the caller.
export LC_ALL=C
unset JOURNAL_STREAM
while IFS= read -r variable; do unset "$variable"; done < <(compgen -e | grep '^HELLOD_')

# Outcome, clients held open, and byte checks: tests/e2e/lib.sh's (fail, q, now_ms, show_bytes,
# client_open/send/expect/expect_eof). Each case runs in a subshell with CASE_DIR as scratch.
# end_process and case_cleanup, defined below, are this script's own.
# shellcheck source=SCRIPTDIR/../e2e/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../e2e/lib.sh"
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

WAIT=5              # default bound for one wait, in seconds
SHUTDOWN_TIMEOUT=3  # the backends' --shutdown-timeout
SERVERS=(s1 s2 s3)
# At debug, so that the health checks' access lines (debug, not info: see case g) are there.
BACKEND_OPTS=(--proxy-protocol-from 127.0.0.1/32 --max-connections-per-ip 2 --deny 127.0.0.3
    --shutdown-timeout "$SHUTDOWN_TIMEOUT" --log-level debug)

deploy_setup haproxy
SOCK=$TMP/haproxy.sock
HAPORT=''

# A regex for a dotted address, dots escaped.
re_ip() { printf '%s' "${1//./\\.}"; }

# ---------------------------------------------------------------------------------------------
# The backends

# start_backend NAME PORT: hellod on 127.0.0.1:PORT (0: any free port) with stderr to
# $TMP/NAME.log, started through a small wrapper that writes hellod's exit status to
# $TMP/NAME.rc. Waits (bounded) for the start-up line; sets PORT to the port it names and
# writes hellod's pid to $TMP/NAME.pid. Returns 1 (STARTUP_ERROR says why) if it did not start.
STARTUP_ERROR=''
PORT=''
start_backend() {
    local name=$1 port=$2 log=$TMP/$1.log wrapper pid
    rm -f "$TMP/$name.pid" "$TMP/$name.rc"
    : >"$log"
    (
        "$HELLOD" "${SERVE_AS[@]}" --listen "127.0.0.1:$port" "${BACKEND_OPTS[@]}" \
            2>"$log" >/dev/null </dev/null &
        echo "$!" >"$TMP/$name.pid.tmp" && mv "$TMP/$name.pid.tmp" "$TMP/$name.pid"
        wait "$!"
        echo "$?" >"$TMP/$name.rc.tmp" && mv "$TMP/$name.rc.tmp" "$TMP/$name.rc"
    ) &
    wrapper=$!
    echo "$wrapper" >>"$PIDS"
    if ! poll "$WAIT" test -s "$TMP/$name.pid"; then
        STARTUP_ERROR="$name: no pid from its wrapper within ${WAIT}s"
        return 1
    fi
    pid=$(<"$TMP/$name.pid")
    echo "$pid" >>"$PIDS"
    if ! poll "$WAIT" startup_logged "$name"; then
        if [[ -e $TMP/$name.rc ]]; then
            STARTUP_ERROR="$name exited $(<"$TMP/$name.rc") before its start-up line; log: $(head -c 600 "$log")"
        else
            STARTUP_ERROR="$name did not log its start-up line within ${WAIT}s; log: $(head -c 600 "$log")"
        fi
        return 1
    fi
    [[ $(grep -m1 -E 'listening on 127\.0\.0\.1:[0-9]+ ' "$log") =~ listening\ on\ 127\.0\.0\.1:([0-9]+)\  ]]
    PORT=${BASH_REMATCH[1]}
    return 0
}

# startup_logged NAME: the start-up line is there, or hellod has exited (then polling stops).
startup_logged() {
    grep -qE 'listening on 127\.0\.0\.1:[0-9]+ ' "$TMP/$1.log" && return 0
    [[ -e $TMP/$1.rc ]] && return 2
    return 1
}

backend_pid() { cat "$TMP/$1.pid"; }

# ---------------------------------------------------------------------------------------------
# Logs: a mark is a line count; what came after it is looked at (the files keep everything).

log_mark() { wc -l <"$TMP/$1.log"; }

# log_since NAME MARK: the lines NAME logged after MARK.
log_since() { tail -n "+$(($2 + 1))" -- "$TMP/$1.log"; }

# count_since NAME MARK REGEX
count_since() { log_since "$1" "$2" | grep -cE -- "$3"; }

# A proxied client's access line: ADDRESS from the PROXY header, via haproxy's own address.
client_re() { printf 'access peer=%s:[0-9]+ via=127\\.0\\.0\\.1:[0-9]+ ' "$(re_ip "$1")"; }
# A full session of 'world\nexit\n': the header's bytes are the balancer's, not in in=.
served_re() { printf '%sduration=[0-9.]+s lines=[0-9]+ in=11 out=31 end=exit' "$(client_re "$1")"; }
ANY_CLIENT_RE='access peer=127\.0\.0\.[234]:'

# any_logged_since REGEX NAME...: one of those logs has a line matching REGEX since its mark.
any_logged_since() {
    local re=$1 sv
    shift
    for sv in "$@"; do
        (($(count_since "$sv" "${MARK[$sv]}" "$re") > 0)) && return 0
    done
    return 1
}

# ---------------------------------------------------------------------------------------------
# haproxy

# ha_cmd COMMAND: one command on the stats socket (bounded), its answer on stdout.
ha_cmd() {
    printf '%s\n' "$1" | timeout 2 socat -t 2 - "UNIX-CONNECT:$SOCK" 2>/dev/null
}

# srv_state SERVER: "status,check_status" of be/SERVER from `show stat` (UP,L7OK; DOWN,L4CON;
# MAINT,...).
srv_state() {
    ha_cmd 'show stat' | awk -F, -v sv="$1" '
        NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) col[$i] = i; next }
        $1 == "be" && $2 == sv { print $(col["status"]) "," $(col["check_status"]) }'
}

# srv_is SERVER UP|DOWN|MAINT: UP means up with its last check passed (L7OK).
srv_is() {
    local state
    state=$(srv_state "$1")
    case $2 in
        UP) [[ $state == UP,L7OK ]] ;;
        *) [[ ${state%%,*} == "$2" ]] ;;
    esac
}

# wait_srv SECONDS STATE SERVER...: fails the case unless each SERVER reaches STATE in time.
wait_srv() {
    local seconds=$1 want=$2 sv
    shift 2
    for sv in "$@"; do
        poll "$seconds" srv_is "$sv" "$want" ||
            fail "haproxy did not mark $sv $want within ${seconds}s (show stat: $(srv_state "$sv"))"
    done
}

# only_server SERVER: every other server in maintenance (no new connections), so that the next
# clients through haproxy all reach SERVER. all_servers ends it.
only_server() {
    local sv
    for sv in "${SERVERS[@]}"; do
        [[ $sv == "$1" ]] && continue
        ha_cmd "disable server be/$sv" >/dev/null
    done
    for sv in "${SERVERS[@]}"; do
        [[ $sv == "$1" ]] && continue
        wait_srv 2 MAINT "$sv"
    done
}

all_servers() {
    local sv
    for sv in "${SERVERS[@]}"; do ha_cmd "enable server be/$sv" >/dev/null; done
}

write_haproxy_cfg() {
    cat >"$TMP/haproxy.cfg" <<EOF
global
    log stderr format raw local0 info
    stats socket $SOCK mode 600 level admin
    maxconn 256
    nbthread 2

defaults
    mode tcp
    log global
    option tcplog
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    timeout check 2s
    retries 3
    option redispatch

frontend fe
    bind 127.0.0.1:$HAPORT
    default_backend be

backend be
    balance roundrobin
    # The check is a real session: connect (with the PROXY header, see below), read the
    # welcome, close. check-send-proxy is haproxy's default for a send-proxy server whose check
    # has no port or addr of its own; spelled out so that adding one keeps the header. For
    # checks haproxy 2.6 sends v2 LOCAL, and v1 "PROXY TCP4" with the check connection's own
    # addresses (not UNKNOWN).
    option tcp-check
    tcp-check expect string Welcome!
    default-server check check-send-proxy inter 300ms fall 2 rise 2
    server s1 127.0.0.1:${BACKEND_PORT[s1]} send-proxy
    server s2 127.0.0.1:${BACKEND_PORT[s2]} send-proxy-v2
    server s3 127.0.0.1:${BACKEND_PORT[s3]} send-proxy-v2
EOF
}

ha_ready() {
    ha_cmd 'show info' | grep -q '^Name: HAProxy' && return 0
    kill -0 "$HA_PID" 2>/dev/null || return 2
    return 1
}

# start_haproxy: on a free port (another one if the bind fails: a parallel run took it), in
# the foreground (-db), until its stats socket answers. Returns 1 (STARTUP_ERROR) on failure.
HA_PID=''
start_haproxy() {
    local try
    for ((try = 1; try <= 5; try++)); do
        HAPORT=$(free_port) || {
            STARTUP_ERROR='no free port for haproxy'
            return 1
        }
        write_haproxy_cfg
        haproxy -db -f "$TMP/haproxy.cfg" </dev/null >"$TMP/haproxy.log" 2>&1 &
        HA_PID=$!
        echo "$HA_PID" >>"$PIDS"
        poll "$WAIT" ha_ready && return 0
        end_process "$HA_PID"
        if ! grep -qiE 'cannot bind|address already in use' "$TMP/haproxy.log"; then
            STARTUP_ERROR="haproxy did not answer on its stats socket within ${WAIT}s; log: $(tail -c 800 "$TMP/haproxy.log")"
            return 1
        fi
        cp "$TMP/haproxy.log" "$TMP/haproxy.bind-failure-$try.log"
    done
    STARTUP_ERROR='haproxy could not bind a free port in 5 tries'
    return 1
}

# ---------------------------------------------------------------------------------------------
# Clients

# session NAME SOURCE PORT FORMAT [ARGS...]: one socat session from SOURCE (bound) to
# 127.0.0.1:PORT sending printf FORMAT ARGS, then half-closing; waits (bounded) for the server
# to close. The bytes received are in $CASE_DIR/NAME.out, socat's status in SESSION_RC.
SESSION_RC=0
session() {
    local name=$1 src=$2 port=$3 format=$4
    shift 4
    # shellcheck disable=SC2059  # the format is the point
    printf "$format" "$@" >"$CASE_DIR/$name.in"
    timeout "$WAIT" socat -t "$WAIT" - "TCP:127.0.0.1:$port,bind=$src" \
        <"$CASE_DIR/$name.in" >"$CASE_DIR/$name.out" 2>"$CASE_DIR/$name.err"
    SESSION_RC=$?
    ((SESSION_RC == 124)) &&
        fail "$name (from $src): the session did not end within ${WAIT}s; got [$(show_bytes "$CASE_DIR/$name.out")]"
    return 0
}

# expect_out NAME FORMAT [ARGS...]: NAME.out must hold exactly the bytes printf FORMAT makes.
expect_out() {
    local name=$1 format=$2 file=$CASE_DIR/$1.out
    shift 2
    # shellcheck disable=SC2059
    printf "$format" "$@" >"$file.expected"
    cmp -s -- "$file.expected" "$file" ||
        fail "$name: bytes differ: wanted [$(show_bytes "$file.expected")] got [$(show_bytes "$file")] (socat status $SESSION_RC: $(head -c 200 "$CASE_DIR/$name.err"))"
}

# greet NAME SOURCE: the standard session through haproxy, byte-exact, socat ending well.
GREETING='Welcome!\r\nHello, world!\r\nBye!\r\n'
greet() {
    session "$1" "$2" "$HAPORT" 'world\nexit\n'
    expect_out "$1" "$GREETING"
    ((SESSION_RC == 0)) || fail "$1 (from $2): socat exited $SESSION_RC: $(head -c 200 "$CASE_DIR/$1.err")"
}

# Clients held open (as in tests/e2e/lib.sh): socat with its stdin on a FIFO kept open and its
# stdout on a FIFO read line by line with read -t. When the server closes, socat ends 0.1 s
# later, which closes the FIFO: the reader sees EOF.

# client_open_from NAME SOURCE PORT: tests/e2e/lib.sh's, bound to SOURCE, and listed for the final cleanup.
client_open_from() {
    client_open "$1" "$3" "$2"
    echo "${CL_PID[$1]}" >>"$PIDS"
}

# client_bye NAME: exit command, farewell, close.
client_bye() {
    client_send "$1" 'exit\n'
    client_expect "$1" 'Bye!'
    client_expect_eof "$1"
}

# ---------------------------------------------------------------------------------------------
# Cases

declare -A BACKEND_PORT=()

# Marks of every current backend log, in MARK[NAME].
declare -A MARK=()
mark_all() {
    local sv
    for sv in "$@"; do MARK[$sv]=$(log_mark "$sv"); done
}

# new_clients NAME...: how many client (not check) access lines those logs got since their marks.
new_clients() {
    local sv total=0 n
    for sv in "$@"; do
        n=$(count_since "$sv" "${MARK[$sv]}" "$ANY_CLIENT_RE")
        total=$((total + n))
    done
    echo "$total"
}
new_clients_at_least() { (($(new_clients "${@:2}") >= $1)); }

# spread ROUNDS LOG...: rounds of 6 greetings through haproxy, from 127.0.0.2 and 127.0.0.4 in
# turn, until every LOG has a full session from each of the two (with via haproxy), at most
# ROUNDS rounds. With roundrobin over three servers one round does it; a second is allowed
# for the rotation's phase right after a server comes back.
spread() {
    local rounds=$1 round i sv src sent=0 missing
    shift
    for ((round = 1; round <= rounds; round++)); do
        for ((i = 0; i < 6; i++)); do
            src=127.0.0.$((i % 2 ? 4 : 2))
            greet "spread$round-$i" "$src"
            sent=$((sent + 1))
        done
        poll "$WAIT" new_clients_at_least "$sent" "${SPREAD_LOGS[@]}" ||
            fail "after $sent greetings, only $(new_clients "${SPREAD_LOGS[@]}") client access lines in ${SPREAD_LOGS[*]}"
        missing=''
        for sv in "$@"; do
            for src in 127.0.0.2 127.0.0.4; do
                (($(count_since "$sv" "${MARK[$sv]}" "$(served_re "$src")") > 0)) ||
                    missing+=" $sv:$src"
            done
        done
        [[ -z $missing ]] && return 0
    done
    fail "after $sent greetings, no full session logged (access peer=CLIENT via=127.0.0.1:PORT ... in=11 out=31 end=exit) for:$missing"
}

t_a_transcripts() {
    wait_srv 10 UP "${SERVERS[@]}"
    mark_all "${SERVERS[@]}"
    SPREAD_LOGS=("${SERVERS[@]}")
    spread 1 "${SERVERS[@]}"
    # The one round: 6 sessions, 2 on each backend (roundrobin), none elsewhere.
    local sv n
    for sv in "${SERVERS[@]}"; do
        n=$(count_since "$sv" "${MARK[$sv]}" "$ANY_CLIENT_RE")
        ((n == 2)) || fail "$sv logged $n client sessions of the 6 (roundrobin over 3 wants 2)"
        (($(count_since "$sv" "${MARK[$sv]}" 'access peer=127\.0\.0\.[234]:[0-9]+ duration=') == 0)) ||
            fail "$sv logged a proxied client without via=: $(log_since "$sv" "${MARK[$sv]}" | grep -m1 -E 'access peer=127\.0\.0\.[234]:[0-9]+ duration=')"
    done
}

t_b_per_client_limit() {
    wait_srv 10 UP "${SERVERS[@]}"
    only_server s1
    mark_all "${SERVERS[@]}"
    # Two sessions from 127.0.0.2 open on s1: its limit for that address.
    client_open_from h1 127.0.0.2 "$HAPORT"
    client_expect h1 'Welcome!'
    client_open_from h2 127.0.0.2 "$HAPORT"
    client_expect h2 'Welcome!'
    # The third from 127.0.0.2 is busy...
    client_open_from h3 127.0.0.2 "$HAPORT"
    client_expect h3 'Error: server busy, try again later'
    client_expect_eof h3
    # ...while 127.0.0.4 is served on the same backend at the same moment (and haproxy's
    # address itself has 3 sessions there, more than the limit of 2).
    client_open_from h4 127.0.0.4 "$HAPORT"
    client_expect h4 'Welcome!'
    client_send h4 'world\n'
    client_expect h4 'Hello, world!'
    client_bye h4
    # The two held sessions were not disturbed.
    client_send h1 'again\n'
    client_expect h1 'Hello, again!'
    client_bye h1
    client_send h2 'again\n'
    client_expect h2 'Hello, again!'
    client_bye h2
    all_servers
    local busy
    busy="$(client_re 127.0.0.2)duration=[0-9.]+s lines=0 in=0 out=37 end=busy"
    poll "$WAIT" new_clients_at_least 4 s1 ||
        fail "s1 logged $(new_clients s1) client sessions, wanted 4; log: $(log_since s1 "${MARK[s1]}" | tail -n 6)"
    (($(count_since s1 "${MARK[s1]}" "$busy") == 1)) ||
        fail "s1 has no busy access line for the 3rd session from 127.0.0.2 (wanted /$busy/); new lines: $(log_since s1 "${MARK[s1]}" | grep -E "$ANY_CLIENT_RE")"
    (($(count_since s1 "${MARK[s1]}" "$(client_re 127.0.0.4).* end=exit") == 1)) ||
        fail "s1 has no access line for the session from 127.0.0.4: $(log_since s1 "${MARK[s1]}" | grep -E "$ANY_CLIENT_RE")"
    (($(count_since s1 "${MARK[s1]}" "$(client_re 127.0.0.2).* end=exit") == 2)) ||
        fail "s1 does not log the two held sessions from 127.0.0.2 as ended by exit"
    (($(new_clients s2 s3) == 0)) || fail "a client reached s2 or s3 while they were in maintenance"
    wait_srv 10 UP "${SERVERS[@]}"
}

t_c_deny() {
    wait_srv 10 UP "${SERVERS[@]}"
    mark_all "${SERVERS[@]}"
    session denied 127.0.0.3 "$HAPORT" 'world\nexit\n'
    [[ -s $CASE_DIR/denied.out ]] &&
        fail "the client from 127.0.0.3 got bytes: [$(show_bytes "$CASE_DIR/denied.out")]"
    local refused='refused 127\.0\.0\.3 via 127\.0\.0\.1:[0-9]+ \(deny 127\.0\.0\.3/32\)'
    poll "$WAIT" any_logged_since "$refused" "${SERVERS[@]}" ||
        fail "no backend logged /$refused/ within ${WAIT}s; s1: $(log_since s1 "${MARK[s1]}" | tail -n 3) s2: $(log_since s2 "${MARK[s2]}" | tail -n 3) s3: $(log_since s3 "${MARK[s3]}" | tail -n 3)"
    local sv
    for sv in "${SERVERS[@]}"; do
        (($(count_since "$sv" "${MARK[$sv]}" 'access peer=127\.0\.0\.3:') == 0)) ||
            fail "$sv logged a session for the denied 127.0.0.3"
    done
    greet after-deny 127.0.0.2
}

t_f_untrusted_proxy_line() {
    # Straight to a backend, from 127.0.0.2 (not in proxy-protocol-from): only a line.
    local port=${BACKEND_PORT[s3]}
    mark_all s3
    session direct 127.0.0.2 "$port" 'PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\nexit\n'
    expect_out direct 'Welcome!\r\nHello, PROXY TCP4 192.0.2.1 192.0.2.2 1 2!\r\nBye!\r\n'
    local re='access peer=127\.0\.0\.2:[0-9]+ duration=[0-9.]+s lines=[0-9]+ in=41 out=60 end=exit'
    poll "$WAIT" any_logged_since "$re" s3 ||
        fail "s3 did not log the direct session as its own (wanted /$re/): $(log_since s3 "${MARK[s3]}" | grep access | tail -n 3)"
}

t_d_drain() {
    wait_srv 10 UP "${SERVERS[@]}"
    only_server s2
    mark_all "${SERVERS[@]}"
    client_open_from d2 127.0.0.2 "$HAPORT"
    client_expect d2 'Welcome!'
    client_open_from d4 127.0.0.4 "$HAPORT"
    client_expect d4 'Welcome!'
    client_send d2 'before\n'
    client_expect d2 'Hello, before!'
    client_send d4 'before\n'
    client_expect d4 'Hello, before!'
    all_servers
    wait_srv 10 UP s1 s3
    local pid t0 elapsed rc
    pid=$(backend_pid s2)
    t0=$(now_ms)
    kill -TERM "$pid" || fail "s2 (pid $pid) is not running"
    client_expect d2 'Error: server shutting down'
    client_expect d4 'Error: server shutting down'
    client_expect_eof d2
    client_expect_eof d4
    timeout $((SHUTDOWN_TIMEOUT + 2)) tail --pid="$pid" -s 0.05 -f /dev/null 2>/dev/null ||
        fail "s2 still running $((SHUTDOWN_TIMEOUT + 2))s after SIGTERM"
    elapsed=$(($(now_ms) - t0))
    poll 2 test -e "$TMP/s2.rc" || fail "s2's wrapper wrote no exit status"
    rc=$(<"$TMP/s2.rc")
    ((rc == 0)) || fail "s2 exited $rc after SIGTERM; log: $(tail -n 5 "$TMP/s2.log")"
    local sv src
    for src in 127.0.0.2 127.0.0.4; do
        (($(count_since s2 "${MARK[s2]}" "$(client_re "$src").* end=shutdown") == 1)) ||
            fail "s2 did not log the session from $src as ended by the shutdown: $(log_since s2 "${MARK[s2]}" | grep access)"
    done
    wait_srv 10 DOWN s2
    # Every new client is served by the other two, not refused or dropped.
    mark_all s1 s3
    local i
    for ((i = 0; i < 10; i++)); do
        greet "after-drain-$i" "127.0.0.$((i % 2 ? 4 : 2))"
    done
    poll "$WAIT" new_clients_at_least 10 s1 s3 ||
        fail "s1 and s3 logged $(new_clients s1 s3) client sessions of the 10 after the drain"
    for sv in s1 s3; do
        (($(count_since "$sv" "${MARK[$sv]}" "$ANY_CLIENT_RE") > 0)) ||
            fail "$sv served none of the 10 clients after the drain"
    done
    echo "$elapsed" >"$TMP/drain-ms"
}

t_e_return() {
    local pid port=${BACKEND_PORT[s2]} try
    # Case d may have failed before it stopped s2.
    if [[ -e $TMP/s2.pid ]] && pid=$(backend_pid s2) && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        timeout $((SHUTDOWN_TIMEOUT + 2)) tail --pid="$pid" -s 0.05 -f /dev/null 2>/dev/null ||
            fail "s2 still running after SIGTERM"
    fi
    [[ -e $TMP/s2.log ]] && mv "$TMP/s2.log" "$TMP/s2-before-drain.log"
    # The same port: the kernel may still hold a short-lived connection on it (TIME_WAIT is no
    # obstacle, SO_REUSEADDR), so a bind failure is tried again, for at most 10 tries.
    for ((try = 1; try <= 10; try++)); do
        start_backend s2 "$port" && break
        grep -q 'in use' "$TMP/s2.log" || fail "$STARTUP_ERROR"
        cp "$TMP/s2.log" "$TMP/s2-bind-failure-$try.log"
        sleep 0.2
    done
    ((try <= 10)) || fail "s2 could not bind 127.0.0.1:$port again: $STARTUP_ERROR"
    [[ $PORT == "$port" ]] || fail "s2 restarted on port $PORT, not $port"
    wait_srv 10 UP s2
    mark_all "${SERVERS[@]}"
    SPREAD_LOGS=("${SERVERS[@]}")
    spread 2 s2
}

t_g_health_checks() {
    local sv n logs=(s1 s2-before-drain s2 s3) check_re line
    # Every check is a session: connect with the header, the welcome, haproxy closes. The v2
    # backends get LOCAL, and s1 (v1) a TCP4 header naming haproxy's check connection itself:
    # both keep haproxy's address, have no via, and are logged at debug, not info, so that
    # checks every 300 ms do not bury the clients' lines.
    check_re='debug access peer=127\.0\.0\.1:[0-9]+ duration=[0-9.]+s lines=0 in=0 out=10 end='
    for sv in "${logs[@]}"; do
        [[ -e $TMP/$sv.log ]] || fail "no log $sv.log (an earlier case failed?)"
        n=$(grep -cE "$check_re" "$TMP/$sv.log")
        ((n >= 2)) || fail "$sv logged $n check sessions (wanted /$check_re/ at least twice); access lines from 127.0.0.1: $(grep -m3 'access peer=127\.0\.0\.1:' "$TMP/$sv.log")"
        line=$(grep -m1 -E 'bad PROXY header' "$TMP/$sv.log") && fail "$sv: $line"
        line=$(grep -m1 -E 'info  access peer=127\.0\.0\.1:' "$TMP/$sv.log") &&
            fail "$sv logged a check at info: $line"
        line=$(grep -m1 -E 'access peer=127\.0\.0\.1:[0-9]+ via=' "$TMP/$sv.log") &&
            fail "$sv logged a check with via=: $line"
    done
    grep -qE 'PROXY v1 header from 127\.0\.0\.1:[0-9]+ keeps the connection' "$TMP/s1.log" ||
        fail "s1 (send-proxy, v1) logged no v1 check header naming haproxy's own connection"
    for sv in s2 s3; do
        grep -qE 'PROXY v2 header from 127\.0\.0\.1:[0-9]+ keeps the connection' "$TMP/$sv.log" ||
            fail "$sv (send-proxy-v2) logged no LOCAL check header"
    done
    # haproxy marked no server DOWN but the drained one, and that once.
    line=$(grep -m1 -E 'Server be/s[13] is DOWN' "$TMP/haproxy.log") &&
        fail "haproxy marked a server DOWN that was never stopped: $line"
    n=$(grep -c '^\[WARNING\].*Server be/s2 is DOWN' "$TMP/haproxy.log")
    ((n == 1)) || fail "haproxy marked s2 DOWN $n times, wanted once (the drain)"
    return 0
}

# ---------------------------------------------------------------------------------------------
# Running

PASSED=0
FAILED=0

case_cleanup() {
    local i
    for ((i = ${#KILL_PIDS[@]} - 1; i >= 0; i--)); do end_process "${KILL_PIDS[i]}"; done
    # Whatever the case left in maintenance is put back.
    [[ -S $SOCK ]] && all_servers
}

print_logs() {
    log_tails
    if [[ -S $SOCK ]]; then
        echo "--- haproxy show stat (proxy, server, status, check status)"
        ha_cmd 'show stat' | cut -d, -f1,2,18,37 | sed 's/^/    /'
    fi
}

T0=$(now_ms)
for sv in "${SERVERS[@]}"; do
    start_backend "$sv" 0 || setup_failed "$STARTUP_ERROR"
    BACKEND_PORT[$sv]=$PORT
done
start_haproxy || setup_failed "$STARTUP_ERROR"
CASE_DIR=$TMP
(wait_srv 10 UP "${SERVERS[@]}") || setup_failed "$(cat "$TMP/reason")"

run_case a.transcripts t_a_transcripts
run_case b.per_client_limit t_b_per_client_limit
run_case c.deny t_c_deny
run_case f.untrusted_proxy_line t_f_untrusted_proxy_line
run_case d.drain t_d_drain
run_case e.return t_e_return
run_case g.health_checks t_g_health_checks

if ((FAILED > 0)); then
    print_logs
fi
T1=$(now_ms)
printf '(%d.%03d s; haproxy on 127.0.0.1:%s; backends on %s, %s, %s; s2 drained in %s ms)\n' \
    $(((T1 - T0) / 1000)) $(((T1 - T0) % 1000)) "$HAPORT" "${BACKEND_PORT[s1]}" \
    "${BACKEND_PORT[s2]}" "${BACKEND_PORT[s3]}" "$(cat "$TMP/drain-ms" 2>/dev/null || echo '?')"
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
