# shellcheck shell=bash
# Cases for running under systemd without systemd itself, sourced by run.sh: socket activation
# in both modes through systemd-socket-activate (which hands sockets over exactly as systemd
# does), inetd mode, and LISTEN_FDS meant for another process. The notify protocol is tested
# against the binary in tests/integration/systemd_notify_test.cpp, and the real systemd in a
# container in tests/systemd/.

# start_on_free_port NAME COMMAND...: start_process with {PORT} in COMMAND's arguments
# replaced by a free 127.0.0.1 port (HD_PORT[NAME]), waiting until systemd-socket-activate
# listens there. It binds the port itself and cannot be asked for port 0, so ports are picked
# at random and retried when taken.
start_on_free_port() {
    local name=$1 attempt port
    shift
    for attempt in 1 2 3 4 5 6 7 8; do
        port=$((20000 + RANDOM % 30000))
        start_process "$name" "${@//\{PORT\}/$port}"
        if wait_log "$name" "^Listening on 127\\.0\\.0\\.1:$port as "; then
            HD_PORT[$name]=$port
            return 0
        fi
        grep -q 'Address already in use' "${HD_LOG[$name]}" || break
        end_process "${HD_PID[$name]}"
    done
    fail "systemd-socket-activate did not listen; log: $(head -c 600 "${HD_LOG[$name]}")"
}

# start_activated NAME SOCKET_ACTIVATE_ARGS... -- HELLOD_ARGS...: hellod under
# systemd-socket-activate on a free port.
start_activated() {
    local name=$1
    shift
    local -a activate=()
    while (($#)) && [[ $1 != -- ]]; do
        activate+=("$1")
        shift
    done
    shift
    start_on_free_port "$name" systemd-socket-activate -l '127.0.0.1:{PORT}' "${activate[@]}" "$HELLOD" "${SERVE_AS[@]}" "$@"
}

# Accept=no, the mode systemd recommends: the first client wakes hellod (systemd-socket-activate
# execs it on the first connection) and is served from the backlog; the listen setting is not
# used, not even to warn about when a reload changes it; SIGTERM ends it cleanly.
t_activation_listening_socket() {
    command -v systemd-socket-activate >/dev/null || fail "systemd-socket-activate is missing (make deps installs systemd)"
    printf 'listen = 127.0.0.1:1\n' >hellod.conf
    start_activated d --fdname=hellod.socket -- --config hellod.conf
    input in 'Ann\nexit\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Welcome!\r\nHello, Ann!\r\nBye!\r\n'
    must_log d "info  hellod [0-9.]+ listening on 127\\.0\\.0\\.1:${HD_PORT[d]}, sockets inherited from systemd \\(hellod\\.socket\\) \\(protocol greeting, backlog from systemd," 'the start-up line naming systemd'
    must_log d 'access peer=127\.0\.0\.1:[0-9]+ .* end=exit' 'the access line'
    printf 'listen = 127.0.0.1:2\nwelcome = Howdy!\n' >hellod.conf
    kill -HUP "${HD_PID[d]}"
    must_log d 'info  reloaded hellod\.conf: changed welcome;' 'the reload'
    talk "${HD_PORT[d]}" out2 in
    expect_file out2 'Howdy!\r\nHello, Ann!\r\nBye!\r\n'
    grep -q 'warn' "${HD_LOG[d]}" && fail "unexpected warning: $(grep warn "${HD_LOG[d]}")"
    stop_hellod d TERM 10
    ((HD_RC == 0)) || fail "exit status $HD_RC after SIGTERM"
}

# A datagram socket passed along with the stream socket serves udp-echo. Two activators, one
# inside the other, pass one socket each: the outer one's datagram socket passes through.
t_activation_datagram_socket() {
    start_on_free_port d systemd-socket-activate -d -l '127.0.0.1:{PORT}' \
        systemd-socket-activate -l '127.0.0.1:{PORT}' "$HELLOD" "${SERVE_AS[@]}" --udp-echo
    local port=${HD_PORT[d]}
    # The datagram wakes the outer activator; the inner one sees it pending and execs hellod.
    printf 'ping' >ping
    # The whole start of hellod (under TSan, on a loaded machine, seconds) lies between the
    # datagram and its echo, so socat waits as long as any other step may.
    timeout $((WAIT + 2)) socat -T "$WAIT" - "UDP:127.0.0.1:$port" <ping >pong 2>pong.err || fail "no UDP echo: $(cat pong.err)"
    expect_file pong 'ping'
    must_log d "info  udp-echo on 127\\.0\\.0\\.1:$port \\(from systemd\\)" 'udp-echo on the inherited socket'
    input in 'Ann\nexit\n'
    talk "$port" out in
    expect_file out 'Welcome!\r\nHello, Ann!\r\nBye!\r\n'
    stop_hellod d TERM 10
    ((HD_RC == 0)) || fail "exit status $HD_RC after SIGTERM"
}

# Accept=yes through the inetd protocol: one hellod per connection on stdin/stdout, each with
# its access line, each exiting 0 when its session ends.
t_activation_inetd() {
    start_activated d --accept --inetd -- --inetd --welcome 'Hi inetd'
    input in 'Ann\nexit\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Hi inetd\r\nHello, Ann!\r\nBye!\r\n'
    must_log d 'info  access peer=127\.0\.0\.1:[0-9]+ duration=[0-9.]+s lines=2 in=9 out=29 end=exit' 'the first access line'
    must_log d '^Child [0-9]+ died with code 0' 'the first session exiting 0'
    input in2 'Bob\n'
    talk "${HD_PORT[d]}" out2 in2 -q 1
    expect_file out2 'Hi inetd\r\nHello, Bob!\r\n'
    must_log d 'end=eof' 'the second access line'
    must_log d '^Child [0-9]+ died with code 0' 'the second session exiting 0'
    grep -q 'listening on' "${HD_LOG[d]}" && fail "inetd mode logged a start-up line per session"
    return 0
}

# SIGTERM reaches an inetd session like any other: the shutdown line, then exit 0.
t_activation_inetd_sigterm() {
    start_activated d --accept --inetd -- --inetd
    client_open c "${HD_PORT[d]}"
    client_expect c 'Welcome!'
    must_log d '^Spawned .* as PID ([0-9]+)\.' 'the session process'
    local pid=${BASH_REMATCH[1]}
    kill -TERM "$pid"
    client_expect c 'Error: server shutting down'
    client_expect_eof c
    must_log d "^Child $pid died with code 0" 'a clean exit'
}

# Accept=yes through LISTEN_FDS (no StandardInput=socket): the connection is descriptor 3.
t_activation_accept_listen_fds() {
    start_activated d --accept -- --inetd
    input in 'Ann\nexit\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Welcome!\r\nHello, Ann!\r\nBye!\r\n'
    must_log d 'access peer=127\.0\.0\.1:[0-9]+ .* end=exit' 'the access line'
}

# Accept=yes but no --inetd: one sentence saying what to do, exit 78.
t_activation_accept_without_inetd() {
    start_activated d --accept --
    input in 'Ann\n'
    timeout "$WAIT" nc 127.0.0.1 "${HD_PORT[d]}" <in >out 2>/dev/null
    must_log d '^hellod: systemd passed no listening stream socket \(a socket unit with Accept=yes needs hellod --inetd\)$' 'the sentence'
    must_log d '^Child [0-9]+ died with code 78' 'exit status 78'
    [[ -s out ]] && fail "the client got bytes: $(show_bytes out)"
    return 0
}

# inetd and xinetd put the connection on stderr too: no log line may reach the client.
t_inetd_stderr_is_the_client() {
    # A shell that points stderr at stdout (the socket) before it execs hellod.
    start_on_free_port s systemd-socket-activate -l '127.0.0.1:{PORT}' --accept --inetd \
        sh -c 'exec "$0" "$@" --inetd --log-level debug 2>&1' "$HELLOD" "${SERVE_AS[@]}"
    local port=${HD_PORT[s]}
    input in 'Ann\nexit\n'
    talk "$port" out in
    expect_file out 'Welcome!\r\nHello, Ann!\r\nBye!\r\n'
    must_log s '^Child [0-9]+ died with code 0' 'a clean exit'
}

t_inetd_needs_a_socket() {
    local rc
    timeout 10 "$HELLOD" --inetd </dev/null >out 2>err
    rc=$?
    ((rc == 64)) || fail "exit status $rc, wanted 64; stderr: $(cat err)"
    expect_file err 'hellod: --inetd needs a connected stream socket as standard input (started by inetd, or by a systemd socket with Accept=yes)\n'
    [[ -s out ]] && fail "stdout: $(show_bytes out)"
    return 0
}

# LISTEN_FDS for another process (a parent's, inherited by mistake) is not ours: hellod binds
# its own listen address as if the variables were not there.
t_activation_other_pid() {
    LISTEN_FDS=1 LISTEN_PID=1 LISTEN_FDNAMES=x start_hellod d
    input in 'Ann\nexit\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Welcome!\r\nHello, Ann!\r\nBye!\r\n'
    grep -q 'systemd' "${HD_LOG[d]}" && fail "took sockets meant for PID 1: $(head -c 300 "${HD_LOG[d]}")"
    return 0
}

CASES+=(
    activation_listening_socket activation_datagram_socket activation_inetd
    activation_inetd_sigterm activation_accept_listen_fds activation_accept_without_inetd
    inetd_stderr_is_the_client inetd_needs_a_socket activation_other_pid
)
