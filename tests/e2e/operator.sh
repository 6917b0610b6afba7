# shellcheck shell=bash
# HD_PORT and friends are lib.sh's associative arrays, keyed by name, which shellcheck cannot see.
# shellcheck disable=SC2004,SC2154
# Cases for what an operator meets before a client does, sourced by run.sh: --test-config gives
# the verdict the real start gives (each case run both ways and compared), listen errors name
# their option and source, "address already in use" names the holder only when it is known, a
# --listen that socket activation ignores is said, and allow/deny meet a peer without an IP
# address (--inetd under socat) as documented.

# The text log's level word, before and after it was spelt out in full.
WARN_WORD='(warn|warning) +'

# mask TEXT: numbers replaced by N, since memory and limits move between two runs.
mask() {
    sed -E 's/[0-9]+(\.[0-9]+)?/N/g'
}

# verdict_of_test NAME ARGS...: hellod -t ARGS. Writes NAME.t.verdict: "refused CODE: SENTENCE"
# or "valid", then the warnings, sorted and masked.
verdict_of_test() {
    local name=$1
    shift
    run_bin "$name.t" -t "$@"
    {
        if ((RC == 0)); then
            echo valid
        else
            echo "refused $RC: $(grep -v '^hellod: warning: ' "$CASE_DIR/$name.t.err" | sed 's/^hellod: //')"
        fi
        sed -n 's/^hellod: warning: //p' "$CASE_DIR/$name.t.err" | mask | sort
    } >"$CASE_DIR/$name.t.verdict"
}

# verdict_of_start NAME ARGS...: hellod ARGS, started for real (nothing added: no --listen, no
# --user), until its start-up line (then SIGTERM) or its exit. Writes NAME.s.verdict like
# verdict_of_test, from the log's warnings and the refusal on stderr.
verdict_of_start() {
    local name=$1
    shift
    start_process "$name.s" "$HELLOD" "$@"
    local pid=${HD_PID[$name.s]} log=${HD_LOG[$name.s]} outcome
    if wait_log "$name.s" 'listening on |^hellod: '; then
        outcome=$LOG_LINE
    else
        fail "the start neither logged its start-up line nor refused within ${WAIT}s; log: $(head -c 600 "$log")"
    fi
    if [[ $outcome == *'listening on '* ]]; then
        stop_hellod "$name.s" TERM 10
        echo valid
    else
        wait_exit "$pid" "$WAIT" || fail "the start refused but did not exit: $outcome"
        wait "$pid"
        echo "refused $?: ${outcome#hellod: }"
    fi >"$CASE_DIR/$name.s.verdict"
    grep -E "^$TS $WARN_WORD" "$log" | sed -E "s/^$TS $WARN_WORD//" | mask | sort \
        >>"$CASE_DIR/$name.s.verdict"
}

# same_verdict NAME WANT ARGS...: -t and the start agree (exit status, refusal sentence, every
# warning), and the verdict is WANT: "valid", "valid+warning" or "refused".
same_verdict() {
    local name=$1 want=$2
    shift 2
    verdict_of_test "$name" "$@"
    verdict_of_start "$name" "$@"
    local t="$CASE_DIR/$name.t.verdict" s="$CASE_DIR/$name.s.verdict"
    cmp -s "$t" "$s" ||
        fail "-t and the start disagree on hellod $*: -t said $(q "$(cat "$t")"); the start $(q "$(cat "$s")")"
    local first warnings
    first=$(head -1 "$t")
    warnings=$(($(wc -l <"$t") - 1))
    case $want in
        valid) [[ $first == valid && $warnings == 0 ]] ;;
        valid+warning) [[ $first == valid && $warnings -gt 0 ]] ;;
        refused) [[ $first == refused* ]] ;;
    esac || fail "wanted $want from hellod $*, got $(q "$(cat "$t")")"
    return 0
}

t_verdict_clean() {
    same_verdict v valid --listen 127.0.0.1:0 "${SERVE_AS[@]}"
}

t_verdict_root_without_user() {
    need_root
    same_verdict v refused --listen 127.0.0.1:0
    grep -qx 'refused 78: refusing to serve as root: give --user NAME .*' v.t.verdict ||
        fail "not the refusal wanted: $(cat v.t.verdict)"
}

t_verdict_run_as_root() {
    need_root
    same_verdict v valid+warning --listen 127.0.0.1:0 --run-as-root
    grep -q '^serving as root (run-as-root)' v.t.verdict || fail "no run-as-root warning: $(cat v.t.verdict)"
}

t_verdict_allow_deny_same() {
    same_verdict v valid+warning --listen 127.0.0.1:0 "${SERVE_AS[@]}" --allow 127.0.0.2 --deny 127.0.0.2
}

t_verdict_unknown_environment() {
    HELLOD_NO_SUCH_SETTING=1 same_verdict v valid+warning --listen 127.0.0.1:0 "${SERVE_AS[@]}"
    grep -qx 'ignoring environment variable HELLOD_NO_SUCH_SETTING: no such setting' v.t.verdict ||
        fail "no warning about the variable: $(cat v.t.verdict)"
}

# Descriptors, threads and memory, each from this machine's limits: all three must be said by
# both (ulimit -n 4096 makes the descriptor one certain on any machine).
t_verdict_capacity() {
    ulimit -n 4096
    same_verdict v valid+warning --listen 127.0.0.1:0 "${SERVE_AS[@]}" --max-connections 1000000 \
        --max-line-bytes 1048576
    grep -q '^max-connections N needs about N descriptors but the limit is N' v.t.verdict ||
        fail "no descriptor warning: $(cat v.t.verdict)"
    grep -q '^max-connections N can take up to about' v.t.verdict || fail "no memory warning: $(cat v.t.verdict)"
}

t_verdict_config_unreadable_by_user() {
    need_root
    mkdir private && chmod 0700 private
    printf 'listen = 127.0.0.1:0\n' >private/h.conf
    same_verdict v valid+warning --config "$CASE_DIR/private/h.conf" --user nobody --group nogroup
    grep -q 'is not readable by user nobody' v.t.verdict || fail "no warning: $(cat v.t.verdict)"
}

# Port 1 is never bound: the start must refuse before it binds anything.
t_verdict_listen_twice() {
    same_verdict v refused --listen 127.0.0.1:1 --listen 127.0.0.1:1 "${SERVE_AS[@]}"
    grep -qx "refused 64: --listen: '127.0.0.1:1' is given twice: one socket cannot be bound twice" v.t.verdict ||
        fail "not the refusal wanted: $(cat v.t.verdict)"
}

t_verdict_listen_overlap() {
    same_verdict v refused --listen '*:1' --listen 127.0.0.1:1 "${SERVE_AS[@]}"
    grep -qx 'refused 78: listen \*:1 and listen 127.0.0.1:1 both take port 1 on 127.0.0.1: .*' v.t.verdict ||
        fail "not the refusal wanted: $(cat v.t.verdict)"
    same_verdict w refused --listen 127.0.0.1:1 --metrics-listen 127.0.0.1:1 "${SERVE_AS[@]}"
    grep -q '^refused 78: listen 127.0.0.1:1 and metrics-listen 127.0.0.1:1 both take' w.t.verdict ||
        fail "not the refusal wanted: $(cat w.t.verdict)"
}

# A listen address without a port is a usage error on the command line (64) and names the option;
# from a file it names file:line (78), from the environment the variable (78).
t_listen_error_sources() {
    run_bin c --listen 127.0.0.1 "${SERVE_AS[@]}"
    expect_fatal c 64 "hellod: --listen: '127.0.0.1' needs a port, as HOST:PORT"
    printf '# hellod\nlisten = 127.0.0.1\n' >h.conf
    run_bin f --config h.conf "${SERVE_AS[@]}"
    expect_fatal f 78 "hellod: h.conf:2: listen: '127.0.0.1' needs a port, as HOST:PORT"
    HELLOD_METRICS_LISTEN='[::1' run_bin e --listen 127.0.0.1:0 "${SERVE_AS[@]}"
    expect_fatal e 78 "hellod: HELLOD_METRICS_LISTEN: '[::1' has '[' without ']'"
}

# "Already in use" says which process holds the port when /proc can tell (root reads every
# process's descriptors; anyone reads their own), never guesses, and names the address once.
t_port_in_use_names_holder() {
    start_hellod first
    local port=${HD_PORT[first]} pid=${HD_PID[first]}
    run_bin r --listen "127.0.0.1:$port" "${SERVE_AS[@]}"
    expect_fatal r 69 "hellod: cannot listen on 127.0.0.1:$port: the address is already in use by process $pid (hellod)"
    grep -q 'another hellod' r.err && fail "it guessed: $(cat r.err)"
    run_bin w --listen "0.0.0.0:$port" "${SERVE_AS[@]}"
    expect_fatal w 69 "hellod: cannot listen on 0.0.0.0:$port: the address is already in use by process $pid (hellod)"
}

# Under socket activation the listen setting is not used; when this start's own command line or
# environment gives it, that is said (the config file's is documented as ignored, and stays quiet:
# t_activation_listening_socket).
t_activation_explicit_listen_warned() {
    command -v systemd-socket-activate >/dev/null || fail "systemd-socket-activate is missing"
    start_activated d -- --listen 127.0.0.1:1
    input in 'Ann\nexit\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Welcome!\r\nHello, Ann!\r\nBye!\r\n'
    must_log d "$WARN_WORD--listen 127\\.0\\.0\\.1:1 is ignored: systemd passed the listening sockets \\(LISTEN_FDS\\)$" 'the warning'
    stop_hellod d TERM 10
    start_activated e --setenv=HELLOD_LISTEN=127.0.0.1:2 --
    talk "${HD_PORT[e]}" out2 in
    must_log e "${WARN_WORD}HELLOD_LISTEN 127\\.0\\.0\\.1:2 is ignored: systemd passed" 'the warning'
    stop_hellod e TERM 10
}

# inetd_socat NAME HELLOD_ARGS...: one --inetd session on a socketpair, as socat's EXEC makes
# (a peer without an IP address), the client sending "Ann" and "exit"; the client's bytes go
# to NAME.out, hellod's log to NAME.log.
inetd_socat() {
    local name=$1
    shift
    printf '#!/bin/sh\nexec %q "$@" 2>>%q\n' "$HELLOD" "$CASE_DIR/$name.log" >"$name.sh"
    chmod +x "$name.sh"
    local args
    args=$(printf ' %q' "${SERVE_AS[@]}" "$@")
    # socat's own status is not the verdict: writing to a session hellod has refused and closed
    # fails with EPIPE, or not, by timing. The bytes read (and timeout's 124) are.
    printf 'Ann\nexit\n' | timeout "$WAIT" socat - "EXEC:$CASE_DIR/$name.sh --inetd$args" \
        >"$name.out" 2>"$name.socat"
    (($? != 124)) || fail "socat did not finish within ${WAIT}s: $(head -c 300 "$name.socat")"
}

# Allow and deny rules name IP networks and cannot match a peer without an IP address: an allow
# list refuses it, deny rules alone admit it, and either way a warning says so; without rules
# such a peer is served quietly. A pipe is no socket at all and is refused (64).
t_inetd_peer_without_ip() {
    inetd_socat allowed --allow 127.0.0.1
    [[ -s allowed.out ]] && fail "the refused peer got bytes: $(show_bytes allowed.out)"
    grep -qE "$WARN_WORD""a peer on a UNIX socket was refused: the allow rules name IP networks, so none can admit it" allowed.log ||
        fail "no warning for the refusal: $(cat allowed.log)"
    inetd_socat denied --deny 127.0.0.1
    expect_file denied.out 'Welcome!\r\nHello, Ann!\r\nBye!\r\n'
    grep -qE "$WARN_WORD""a peer on a UNIX socket was admitted: the deny rules name IP networks and cannot match it" denied.log ||
        fail "no warning for the admission: $(cat denied.log)"
    inetd_socat plain
    expect_file plain.out 'Welcome!\r\nHello, Ann!\r\nBye!\r\n'
    grep -qE "$WARN_WORD" plain.log && fail "a warning without rules: $(cat plain.log)"
    printf 'exit\n' | timeout "$WAIT" "$HELLOD" --inetd "${SERVE_AS[@]}" --allow 127.0.0.1 >pipe.out 2>pipe.err
    RC=$?
    expect_fatal pipe 64 '--inetd needs a connected stream socket as standard input'
}

CASES+=(
    verdict_clean verdict_root_without_user verdict_run_as_root verdict_allow_deny_same
    verdict_unknown_environment verdict_capacity verdict_config_unreadable_by_user
    verdict_listen_twice verdict_listen_overlap listen_error_sources port_in_use_names_holder
    activation_explicit_listen_warned inetd_peer_without_ip
)
