# shellcheck shell=bash
# Cases for the other protocols (protocol.md: timestamp, echo, raw framing, UDP echo), sourced
# by run.sh.

# vm_hwm PID: the process's peak resident memory so far, in KiB.
vm_hwm() {
    local key value _
    while read -r key value _; do
        [[ $key == VmHWM: ]] && echo "$value" && return 0
    done <"/proc/$1/status"
    return 1
}

# A binary file of every byte value (IAC 0xFF, NUL, CR and LF among them) goes through nc and
# comes back identical: no welcome, no telnet processing, no exit command.
t_echo_nc_binary() {
    start_hellod d --protocol echo
    {
        for ((i = 0; i < 256; i++)); do printf "\\x$(printf %02x "$i")"; done
        printf 'exit\n\xff\xf4\xff\xff'
        head -c 300000 /dev/urandom
    } >in
    talk "${HD_PORT[d]}" out in -N
    cmp -s in out || fail "echo differs: sent $(wc -c <in) bytes, got $(wc -c <out)"
    must_log d ' access .* in=([0-9]+) out=([0-9]+) end=eof$' 'the echo session'
    [[ ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]] || fail "in/out differ: $LOG_LINE"
}

# 100 MB stream through while the client reads; the daemon's peak memory must not grow with it.
t_echo_streams_in_bounded_memory() {
    start_hellod d --protocol echo
    local before after
    before=$(vm_hwm "${HD_PID[d]}")
    head -c 100000000 /dev/zero |
        timeout 40 socat -b 65536 -t 5 - "TCP:127.0.0.1:${HD_PORT[d]}" >/dev/null 2>err &
    KILL_PIDS+=("$!")
    must_log d ' access .* in=100000000 out=100000000 end=eof$' 'the 100 MB echo' 40
    after=$(vm_hwm "${HD_PID[d]}")
    ((after - before < 16384)) || fail "peak memory grew by $((after - before)) KiB for a 100 MB echo"
}

t_echo_idle_timeout() {
    start_hellod d --protocol echo --idle-timeout 0.5
    input in 'ping\n'
    talk "${HD_PORT[d]}" out in  # no -N: the server's close ends nc
    expect_file out 'ping\nError: idle timeout\r\n'
    must_log d ' access .* end=idle$' 'the idle echo session'
}

# An echo client that sends and never reads is cut by the write timeout; others go on.
t_echo_write_timeout() {
    start_hellod d --protocol echo --write-timeout 0.5
    flood_client "${HD_PORT[d]}"
    must_log d ' access .* end=error detail="write timed out"$' 'the client that never reads' 15
    input in 'still here\n'
    talk "${HD_PORT[d]}" out in -N
    expect_file out 'still here\n'
}

# ctime_re: the C ctime() layout, as a bash ERE.
readonly CTIME_RE='(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 123][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9] [0-9]{4}'

# timestamp_session NAME ZONE: one nc session with hellod NAME; the stamp must be the time of
# the session in ZONE, as date(1) writes it.
timestamp_session() {
    local name=$1 zone=$2 before after stamp
    input in 'Michael\n\n  Tracy \nexit\n'
    before=$(TZ=$zone date '+%a %b %e %H:%M:%S %Y')
    talk "${HD_PORT[$name]}" out in -N
    after=$(TZ=$zone date '+%a %b %e %H:%M:%S %Y')
    local text
    text=$(od -An -c -v out | tr -d '\n')
    [[ $(<out) =~ ^\[($CTIME_RE)\]\ Michael$'\r\n'\[($CTIME_RE)\]\ Tracy$'\r\n'Bye!$'\r'$ ]] ||
        fail "timestamp transcript: $text"
    stamp=${BASH_REMATCH[1]}
    [[ $stamp == "$before" || $stamp == "$after" ]] ||
        fail "stamp '$stamp' is not the time in $zone ('$before' .. '$after')"
}

t_timestamp_nc() {
    TZ=UTC start_hellod d --protocol timestamp
    timestamp_session d UTC
    # TZ is respected: a zone three hours east of UTC (POSIX form, no tzdata needed).
    TZ=XYZ-3 start_hellod e --protocol timestamp
    timestamp_session e XYZ-3
}

# The classic tutorial client: one write without a newline, then it waits for the answer.
t_raw_no_newline_client() {
    start_hellod d --framing raw
    client_open c "${HD_PORT[d]}"
    client_expect c 'Welcome!'
    client_send c 'Michael'
    client_expect c 'Hello, Michael!'
    client_send c 'Tracy\r\n'
    client_expect c 'Hello, Tracy!'
    client_send c 'exit'
    client_expect c 'Bye!'
    client_expect_eof c
}

t_raw_timestamp() {
    start_hellod d --protocol timestamp --framing raw
    client_open c "${HD_PORT[d]}"
    client_send c 'tick'
    local line
    IFS= read -r -t "$WAIT" -u "${CL_R[c]}" line || fail "no answer to an unterminated message"
    [[ $line =~ ^\[$CTIME_RE\]\ tick$'\r'$ ]] || fail "got $(q "$line")"
}

# The tutorials' UDP echo client (one datagram, wait for it back), through socat and nc -u, on
# the TCP listener's port; the largest IPv4 datagram comes back whole; SIGTERM still exits 0.
t_udp_echo() {
    start_hellod d --udp-echo --log-level debug
    # Logged before the listening line that start_hellod waited for.
    grep -qE "info  udp-echo on 127\.0\.0\.1:${HD_PORT[d]}\$" d.log ||
        fail "no udp-echo start-up line: $(head -c 400 d.log)"
    input in 'Hello, UDP\n'
    timeout "$WAIT" socat -t 1 - "UDP:127.0.0.1:${HD_PORT[d]}" <in >out 2>err || fail "socat: $(head -c 200 err)"
    expect_file out 'Hello, UDP\n'
    printf 'no newline' | timeout "$WAIT" nc -u -w1 127.0.0.1 "${HD_PORT[d]}" >out2 2>err
    expect_file out2 'no newline'
    head -c 65507 /dev/urandom >big
    timeout "$WAIT" socat -b 65507 -t 1 - "UDP:127.0.0.1:${HD_PORT[d]}" <big >out3 2>err || fail "socat: $(head -c 200 err)"
    cmp -s big out3 || fail "the 65507-byte datagram came back as $(wc -c <out3) bytes"
    must_log d "debug udp 127\.0\.0\.1:${HD_PORT[d]}: echoed 65507 bytes to 127\.0\.0\.1:" 'the datagram at debug'
    stop_hellod d TERM 5
    ((HD_RC == 0)) || fail "exit status $HD_RC after SIGTERM"
}

# --resolve-peers: a name confirmed by the forward lookup is logged; an address without one is
# logged bare; neither delays the welcome.
t_resolve_peers() {
    local name
    read -r _ name _ < <(getent hosts 127.0.0.1)
    [[ -n $name ]] || skip "no name for 127.0.0.1 in /etc/hosts"
    start_hellod d --resolve-peers
    input in 'exit\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Welcome!\r\nBye!\r\n'
    must_log d " access peer=127\\.0\\.0\\.1:[0-9]+ host=\"${name//./\\.}\" duration=" 'the named peer'
    talk "${HD_PORT[d]}" out2 in -s 127.0.0.2
    expect_file out2 'Welcome!\r\nBye!\r\n'
    must_log d ' access peer=127\.0\.0\.2:[0-9]+ duration=' 'the peer without a confirmed name' 10
}

t_err_echo_raw_framing() {
    run_bin r --listen 127.0.0.1:0 --protocol echo --framing raw
    expect_fatal r 78 'framing' 'echo'
}

# Which instance answered: %h in the welcome and the reply is the host name (gethostname, as
# `hostname` prints it), as often as written; %% a literal %, and a welcome's other '%' itself.
# The health probe expects the same bytes.
t_host_name_in_welcome_and_reply() {
    local host
    host=$(hostname)
    start_hellod d --welcome 'Welcome to %h, 100% up (%%h)' --reply '%h: Hello, %s! (%h)'
    input in 'Ann\nexit\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Welcome to %s, 100%% up (%%h)\r\n%s: Hello, Ann! (%s)\r\nBye!\r\n' "$host" "$host" "$host"
    run_bin p --probe "127.0.0.1:${HD_PORT[d]}" --welcome 'Welcome to %h, 100% up (%%h)' \
        --reply '%h: Hello, %s! (%h)'
    ((RC == 0)) || fail "the probe: exit $RC: $(cat p.err)"
    run_bin x --listen 127.0.0.1:0 --reply 'Hi %x' -t
    expect_fatal x 64 "--reply: '%x' at byte 4 is not allowed (use %s for the line, %h for the host name and %% for a literal %)"
}

CASES+=(
    echo_nc_binary echo_streams_in_bounded_memory echo_idle_timeout echo_write_timeout
    timestamp_nc raw_no_newline_client raw_timestamp udp_echo resolve_peers err_echo_raw_framing
    host_name_in_welcome_and_reply
)
