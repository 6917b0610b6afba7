# shellcheck shell=bash disable=SC2034  # globals set here are read by run.sh
# Helpers for run.sh: starting and stopping hellod, clients, byte-exact assertions.
#
# Every case runs in its own subshell with CASE_DIR as its scratch directory. Processes a case
# starts are listed in KILL_PIDS and ended by case_cleanup (TERM, then KILL) when the subshell
# exits, whether the case passed or failed. Every wait is bounded: `read -t`, timeout(1), or
# an expect timeout. Fixed-interval polling is used only where no event exists to wait for:
# proc_listen_port, and the stuck-sender probe in run.sh (see there).

WAIT=5  # default bound for one wait, in seconds

declare -a KILL_PIDS=() SERVE_AS=()
declare -A HD_PID=() HD_PORT=() HD_LOGFD=() HD_LOG=()
declare -A CL_PID=() CL_W=() CL_R=()
LOG_LINE=''
HD_RC=''

# ---------------------------------------------------------------------------------------------
# Outcome

# fail WHY...: ends the current case; WHY becomes its FAIL line.
fail() {
    printf '%s\n' "$*" >"$CASE_DIR/reason"
    exit 1
}

# skip WHY...: ends the current case as passed, noting why it could not run here.
skip() {
    printf '%s\n' "$*" >"$CASE_DIR/skipped"
    exit 0
}

# A shell-quoted, single-line rendering of a string for messages.
q() { printf '%q' "$1"; }

# Milliseconds since the epoch (bash 5's EPOCHREALTIME; no subprocess).
now_ms() {
    local t=${EPOCHREALTIME/[.,]/}
    echo $((t / 1000))
}

# Seconds as read(1) wants them, from milliseconds.
ms_to_s() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# The first bytes of a file, escaped on one line, for failure messages.
show_bytes() {
    head -c "${2:-240}" -- "$1" | od -An -c -v -w100000 | tr -s ' ' | sed 's/^ //'
    local size
    size=$(wc -c <"$1")
    ((size > ${2:-240})) && printf ' ... (%d bytes)' "$size"
    return 0
}

# ---------------------------------------------------------------------------------------------
# Cleanup

# Ends one process: TERM, up to 2 s to go, then KILL. Only processes this case started.
end_process() {
    local pid=$1
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    if ! timeout 2 tail --pid="$pid" -s 0.05 -f /dev/null 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    return 0
}

case_cleanup() {
    local pid i
    # Clients and log readers first (they are quick), daemons last; reversed start order.
    for ((i = ${#KILL_PIDS[@]} - 1; i >= 0; i--)); do
        pid=${KILL_PIDS[i]}
        end_process "$pid"
    done
}

# ---------------------------------------------------------------------------------------------
# The daemon

# start_hellod NAME [ARGS...]: runs $HELLOD --listen 127.0.0.1:0 ARGS with stderr to
# $CASE_DIR/NAME.log, waits (bounded) for its start-up line and sets HD_PORT[NAME] from it.
# Environment assignments before the call (VAR=x start_hellod ...) reach the daemon.
start_hellod() {
    local name=$1
    shift
    start_hellod_unwaited "$name" --listen 127.0.0.1:0 "$@"
    if ! wait_log "$name" 'listening on 127\.0\.0\.1:([0-9]+) '; then
        fail "$name did not log its start-up line (it exited, or ${WAIT}s passed); log: $(head -c 600 "${HD_LOG[$name]}")"
    fi
    HD_PORT[$name]=${BASH_REMATCH[1]}
}

# start_hellod_unwaited NAME ARGS...: starts $HELLOD ARGS (no --listen added) and a reader
# of its log; does not wait for anything. As root, the daemon drops to SERVE_AS (run.sh).
start_hellod_unwaited() {
    local name=$1
    shift
    start_process "$name" "$HELLOD" "${SERVE_AS[@]}" "$@"
}

# start_process NAME COMMAND...: start_hellod_unwaited for any command (one that runs hellod
# in the end, like systemd-socket-activate): stderr to $CASE_DIR/NAME.log, read by wait_log.
start_process() {
    local name=$1 fd
    shift
    local log="$CASE_DIR/$name.log"
    HD_LOG[$name]=$log
    : >>"$log"  # keeps the inode if the caller created it (JOURNAL_STREAM tests)
    "$@" 2>"$log" >"$CASE_DIR/$name.stdout" </dev/null &
    HD_PID[$name]=$!
    KILL_PIDS+=("$!")
    # tail follows the log as it grows (inotify) and ends soon after hellod does, so reading
    # its output with read -t waits for log lines as events.
    exec {fd}< <(exec tail -n +1 -s 0.1 --pid="${HD_PID[$name]}" -f "$log" 2>/dev/null)
    KILL_PIDS+=("$!")
    HD_LOGFD[$name]=$fd
}

# wait_log NAME REGEX [SECONDS]: reads NAME's log lines until one matches REGEX (bash ERE);
# the line is left in LOG_LINE and its groups in BASH_REMATCH. Lines read past are gone from
# this reader (the file keeps them). Returns 1 on timeout or when hellod's log ends.
wait_log() {
    local name=$1 re=$2 seconds=${3:-$WAIT} line left deadline
    deadline=$(($(now_ms) + seconds * 1000))
    while :; do
        left=$((deadline - $(now_ms)))
        ((left > 0)) || return 1
        IFS= read -r -t "$(ms_to_s "$left")" -u "${HD_LOGFD[$name]}" line || return 1
        if [[ $line =~ $re ]]; then
            LOG_LINE=$line
            return 0
        fi
    done
}

# must_log NAME REGEX WHAT [SECONDS]: wait_log or fail naming WHAT.
must_log() {
    wait_log "$1" "$2" "${4:-$WAIT}" ||
        fail "no log line for $3 within ${4:-$WAIT}s (wanted /$2/); log: $(tail -c 800 "${HD_LOG[$1]}")"
}

# wait_exit PID SECONDS: returns 0 once PID has exited, 124 if it is still running after SECONDS.
wait_exit() {
    timeout "$2" tail --pid="$1" -s 0.05 -f /dev/null 2>/dev/null
}

# stop_hellod NAME SIGNAL SECONDS: sends SIGNAL and waits at most SECONDS for the exit;
# sets HD_RC to the exit status. Fails the case if it is still running.
stop_hellod() {
    local name=$1 sig=$2 seconds=$3 pid=${HD_PID[$1]}
    kill -"$sig" "$pid" 2>/dev/null || fail "$name is not running (cannot send SIG$sig)"
    wait_exit "$pid" "$seconds" || fail "$name still running ${seconds}s after SIG$sig"
    wait "$pid"
    HD_RC=$?
}

# proc_listen_port PID: prints the TCP port PID listens on, read from /proc. Used only where
# hellod logs no start-up line (log-level warning), so no event exists to wait for: it polls,
# every 50 ms, for at most $WAIT seconds.
proc_listen_port() {
    local pid=$1 deadline link local_addr st inode
    deadline=$(($(now_ms) + WAIT * 1000))
    while (($(now_ms) < deadline)); do
        local -A inodes=()
        for link in /proc/"$pid"/fd/*; do
            link=$(readlink "$link" 2>/dev/null) || continue
            [[ $link =~ ^socket:\[([0-9]+)\]$ ]] && inodes[${BASH_REMATCH[1]}]=1
        done
        if ((${#inodes[@]})); then
            while read -r _ local_addr _ st _ _ _ _ _ inode _; do
                if [[ $st == 0A && -n ${inodes[$inode]:-} ]]; then
                    echo $((16#${local_addr#*:}))
                    return 0
                fi
            # Listening sockets only, picked out by grep: bash reads procfs a byte per read(2).
            done < <(grep -E '^ *[0-9]+: [0-9A-F]+:[0-9A-F]{4} [0-9A-F]+:[0-9A-F]{4} 0A ' \
                "/proc/$pid/net/tcp")
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# ---------------------------------------------------------------------------------------------
# Clients held open: socat with its stdin on a FIFO we keep open (so it never sees end of input
# and never half-closes) and its stdout on a FIFO we read line by line with read -t. When the
# server closes, socat ends 0.1 s later (-t), which closes the FIFO: the reader sees EOF.
# (nc would not do: with its stdin still open it outlives the server's close.)

# client_open NAME PORT [SOURCE]: SOURCE, when given, is the address the client binds to.
client_open() {
    local name=$1 port=$2 bind=${3:+,bind=$3} w r
    local in="$CASE_DIR/$name.in" out="$CASE_DIR/$name.out"
    mkfifo "$in" "$out"
    exec {w}<>"$in"
    socat -t 0.1 - "TCP:127.0.0.1:$port$bind" <"$in" >"$out" 2>"$CASE_DIR/$name.err" &
    CL_PID[$name]=$!
    KILL_PIDS+=("$!")
    exec {r}<"$out"  # returns once socat has opened its end
    CL_W[$name]=$w
    CL_R[$name]=$r
}

# client_send NAME FORMAT [ARGS...]: printf to the client's socket.
client_send() {
    local name=$1 format=$2
    shift 2
    # shellcheck disable=SC2059  # the format is the point
    printf "$format" "$@" >&"${CL_W[$name]}"
}

# client_expect NAME TEXT [SECONDS]: the next line from the server must be exactly TEXT\r\n.
client_expect() {
    local name=$1 want=$2 seconds=${3:-$WAIT} line rc
    IFS= read -r -t "$seconds" -u "${CL_R[$name]}" line
    rc=$?
    ((rc > 128)) && fail "$name: no line within ${seconds}s (wanted $(q "$want"$'\r\n'); partial: $(q "$line"))"
    ((rc != 0)) && fail "$name: connection ended (wanted $(q "$want"$'\r\n'); got $(q "$line") before EOF)"
    [[ $line == "$want"$'\r' ]] || fail "$name: got $(q "$line"$'\n'), wanted $(q "$want"$'\r\n')"
}

# client_expect_eof NAME [SECONDS]: the server must close with nothing more sent.
client_expect_eof() {
    local name=$1 seconds=${2:-$WAIT} line rc
    IFS= read -r -t "$seconds" -u "${CL_R[$name]}" line
    rc=$?
    ((rc > 128)) && fail "$name: the server did not close within ${seconds}s (partial: $(q "$line"))"
    ((rc == 0)) && fail "$name: wanted EOF, got line $(q "$line"$'\n')"
    [[ -z $line ]] || fail "$name: wanted EOF, got bytes $(q "$line")"
    wait_exit "${CL_PID[$name]}" "$WAIT" || fail "$name: socat did not exit after EOF"
}

# ---------------------------------------------------------------------------------------------
# One-shot clients and byte-exact checks

# expect_file FILE FORMAT [ARGS...]: FILE must hold exactly the bytes printf FORMAT ARGS makes.
expect_file() {
    local file=$1 format=$2
    shift 2
    # shellcheck disable=SC2059
    printf "$format" "$@" >"$file.expected"
    cmp -s -- "$file.expected" "$file" ||
        fail "bytes differ: wanted [$(show_bytes "$file.expected")] got [$(show_bytes "$file")]"
}

# input FILE FORMAT [ARGS...]: writes the bytes printf FORMAT ARGS makes to FILE.
input() {
    local file=$1 format=$2
    shift 2
    # shellcheck disable=SC2059
    printf "$format" "$@" >"$file"
}

# talk PORT OUTFILE INFILE [NC_OPTIONS...]: one nc session fed from INFILE, bounded; fails the
# case if nc does not finish (for a client that does not half-close: if the server does not
# close). Not for use in a pipeline: fail must run in the case's own shell.
talk() {
    local port=$1 out=$2 in=$3 rc
    shift 3
    timeout "$WAIT" nc "$@" 127.0.0.1 "$port" <"$in" >"$out" 2>"$out.err"
    rc=$?
    ((rc == 124)) && fail "nc $* did not finish within ${WAIT}s (the server did not close?); got [$(show_bytes "$out")]"
    ((rc != 0)) && fail "nc $* exited $rc: $(head -c 300 "$out.err")"
    return 0
}

# run_bin NAME ARGS...: runs $HELLOD ARGS (bounded, not as a server) with stdout and stderr to
# NAME.out / NAME.err in CASE_DIR; sets RC.
run_bin() {
    local name=$1
    shift
    timeout 30 "$HELLOD" "$@" >"$CASE_DIR/$name.out" 2>"$CASE_DIR/$name.err" </dev/null
    RC=$?
    ((RC == 124)) && fail "hellod $* did not exit within 30s"
    return 0
}

# expect_fatal NAME CODE NEEDLE...: after run_bin NAME, the exit status must be CODE (or any
# non-zero status below 124 for CODE=nonzero), stdout empty, and stderr exactly one line
# holding every NEEDLE (fixed strings).
expect_fatal() {
    local name=$1 code=$2 needle err="$CASE_DIR/$1.err"
    shift 2
    if [[ $code == nonzero ]]; then
        ((RC != 0 && RC < 124 && RC != 70)) || fail "exit status $RC, wanted a non-zero usage/config status; stderr: $(head -c 300 "$err")"
    else
        ((RC == code)) || fail "exit status $RC, wanted $code; stderr: $(head -c 300 "$err")"
    fi
    [[ -s $CASE_DIR/$name.out ]] && fail "stdout not empty: $(head -c 200 "$CASE_DIR/$name.out")"
    local lines
    lines=$(wc -l <"$err")
    [[ $lines == 1 && $(tail -c 1 "$err" | od -An -tx1 | tr -d ' ') == 0a ]] ||
        fail "stderr is not exactly one line: $(q "$(head -c 400 "$err")")"
    for needle in "$@"; do
        grep -qF -- "$needle" "$err" || fail "stderr does not name $(q "$needle"): $(head -c 300 "$err")"
    done
    return 0
}
