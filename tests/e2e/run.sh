#!/usr/bin/env bash
# End-to-end tests of hellod: the real binary, real sockets on 127.0.0.1, driven by nc, socat
# and telnet (through expect). Usage: run.sh HELLOD_BINARY [CASE_REGEX]
#
# Prints one line per case ("ok   name" or "FAIL name: why") and ends with "N passed, N failed";
# exits 1 if any case failed. Each case starts its own hellod on 127.0.0.1:0 and learns the
# port from its start-up log line, so cases never race for ports. What is checked is the wire
# contract, byte for byte: the common rules and greeting here; timestamp, echo, raw framing and
# UDP echo in protocols.sh; reload in reload.sh; hostile clients in hostile.sh; json logs in
# logging.sh; --user and root in privileges.sh; allow and deny in access.sh. A second argument
# runs only the cases whose names match it; E2E_KEEP=1 keeps every case's logs.
set -u

if (($# < 1 || $# > 2)); then
    echo "usage: $0 HELLOD_BINARY [CASE_REGEX]" >&2
    exit 2
fi
HELLOD=$(realpath -- "$1" 2>/dev/null) || HELLOD=$1
ONLY=${2:-}
if [[ ! -x $HELLOD || -d $HELLOD ]]; then
    echo "run.sh: $1 is not an executable file" >&2
    exit 2
fi
for tool in nc socat expect telnet od cmp timeout tail mkfifo stat realpath yes head jq iconv; do
    command -v "$tool" >/dev/null || {
        echo "run.sh: $tool is missing (make deps installs it)" >&2
        exit 2
    }
done
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

# A known environment: bytes, not characters; no settings or journal from the caller.
export LC_ALL=C
unset JOURNAL_STREAM
while IFS= read -r variable; do unset "$variable"; done < <(compgen -e | grep '^HELLOD_')

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hellod-e2e.XXXXXX") || exit 2
# hellod refuses to serve as root without --user. Run as root (as CI does), every server the
# cases start binds as root and then drops to nobody, as a root-started daemon should; the
# scratch files stay readable to it, since a reload reads the config file after the drop.
if ((EUID == 0)); then
    SERVE_AS=(--user nobody --group nogroup)
    chmod 0755 "$TMP"
fi
CASE_PID=''
on_signal() {
    [[ -n $CASE_PID ]] && kill -TERM "$CASE_PID" 2>/dev/null && wait "$CASE_PID" 2>/dev/null
    exit 130
}
# E2E_KEEP=1 keeps the scratch directory (logs, transcripts of every case) for a post-mortem.
if [[ ${E2E_KEEP:-} == 1 ]]; then
    trap 'echo "e2e: kept $TMP" >&2' EXIT
else
    trap 'rm -rf -- "$TMP"' EXIT
fi
trap on_signal INT TERM

X1024=$(printf '%*s' 1024 '' | tr ' ' x)

# =============================================================================================
# 1-3. The transcript through three clients

t_nc_transcript() {
    start_hellod d
    input in 'Michael\r\nTracy\n\n  Sarah  \nexit\n'
    talk "${HD_PORT[d]}" out in -q1
    expect_file out 'Welcome!\r\nHello, Michael!\r\nHello, Tracy!\r\nHello, Sarah!\r\nBye!\r\n'
}

t_socat_transcript() {
    start_hellod d
    input in 'Michael\r\nTracy\n\n  Sarah  \nexit\n'
    timeout "$WAIT" socat -t "$WAIT" - "TCP:127.0.0.1:${HD_PORT[d]}" <in >out 2>err ||
        fail "socat failed or hung: $(head -c 300 err)"
    expect_file out 'Welcome!\r\nHello, Michael!\r\nHello, Tracy!\r\nHello, Sarah!\r\nBye!\r\n'
}

# socat's crlf option turns our LF into CR LF on the way out and the server's CR LF into LF on
# the way in, as a line-oriented client would. The access line proves CR LF went over the wire.
t_socat_crlf() {
    start_hellod d
    input in 'Michael\nTracy\nexit\n'
    timeout "$WAIT" socat -t "$WAIT" - "TCP:127.0.0.1:${HD_PORT[d]},crlf" <in >out 2>err ||
        fail "socat failed or hung: $(head -c 300 err)"
    expect_file out 'Welcome!\nHello, Michael!\nHello, Tracy!\nBye!\n'
    must_log d ' access peer=127\.0\.0\.1:[0-9]+ duration=[0-9.]+s lines=3 in=22 out=' 'the session (22 bytes in: CR LF sent)'
}

t_telnet_exit() {
    start_hellod d
    # HOME: no ~/.telnetrc of the caller's may change telnet's behaviour.
    HOME=$CASE_DIR timeout 30 expect -f "$HERE/telnet.exp" "${HD_PORT[d]}" exit >out 2>&1 ||
        fail "telnet: $(tr '\n' ' ' <out | head -c 600)"
    # Michael CR LF + exit CR LF: telnet's Enter is CR LF.
    must_log d ' access .* lines=2 in=15 out=33 end=exit$' 'the telnet session'
}

t_telnet_ctrl_c() {
    start_hellod d
    HOME=$CASE_DIR timeout 30 expect -f "$HERE/telnet.exp" "${HD_PORT[d]}" interrupt >out 2>&1 ||
        fail "telnet: $(tr '\n' ' ' <out | head -c 600)"
    # in=5: telnet sent IAC IP IAC DO TIMING-MARK; out=19: welcome, IAC WILL TIMING-MARK, Bye.
    must_log d ' access .* lines=0 in=5 out=19 end=exit$' 'the telnet session ended by IAC IP'
}

# =============================================================================================
# 4. Lines: limits, trimming, pipelining, the last line, the exit command

t_line_1024_accepted() {
    start_hellod d
    input in '%s\r\n' "$X1024"
    talk "${HD_PORT[d]}" out in -N
    expect_file out 'Welcome!\r\nHello, %s!\r\n' "$X1024"
}

t_line_1025_refused() {
    start_hellod d
    input in '%sx\n' "$X1024"
    talk "${HD_PORT[d]}" out in -N
    expect_file out 'Welcome!\r\nError: line too long (limit 1024 bytes)\r\n'
    # The same as a last line without its newline, ended by the client's half-close.
    input in2 '%sx' "$X1024"
    talk "${HD_PORT[d]}" out2 in2 -N
    expect_file out2 'Welcome!\r\nError: line too long (limit 1024 bytes)\r\n'
}

t_line_5000_then_next() {
    start_hellod d
    input in '%s%s%s%s%s\nBob\n' "$X1024" "$X1024" "$X1024" "$X1024" "${X1024:0:904}"
    [[ $(wc -c <in) == 5005 ]] || fail "test bug: input is $(wc -c <in) bytes"
    talk "${HD_PORT[d]}" out in -N
    expect_file out 'Welcome!\r\nError: line too long (limit 1024 bytes)\r\nHello, Bob!\r\n'
}

t_max_line_bytes_8() {
    start_hellod d --max-line-bytes 8
    input in '12345678\r\n123456789\nBob\n'
    talk "${HD_PORT[d]}" out in -N
    expect_file out 'Welcome!\r\nHello, 12345678!\r\nError: line too long (limit 8 bytes)\r\nHello, Bob!\r\n'
}

t_trim_and_pipelining() {
    start_hellod d
    # Two lines in one write, a blank-only line between them (no reply to it).
    input in '\tx\t\n \t \n y \n'
    talk "${HD_PORT[d]}" out in -N
    expect_file out 'Welcome!\r\nHello, x!\r\nHello, y!\r\n'
}

t_partial_last_line() {
    start_hellod d
    input in 'Zed'
    talk "${HD_PORT[d]}" out in -N  # -N: shutdown(SHUT_WR) at end of input
    expect_file out 'Welcome!\r\nHello, Zed!\r\n'
    timeout "$WAIT" socat -t "$WAIT" - "TCP:127.0.0.1:${HD_PORT[d]}" <in >out2 2>err ||
        fail "socat failed or hung: $(head -c 300 err)"
    expect_file out2 'Welcome!\r\nHello, Zed!\r\n'
}

# The exit command matches the trimmed line exactly (case matters); what follows it is not
# answered; the server closes by itself (nc here never half-closes, it ends on the server's EOF).
t_exit_command_rules() {
    start_hellod d
    input in 'EXIT\nexit!\n  exit \t\nBob\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Welcome!\r\nHello, EXIT!\r\nHello, exit!!\r\nBye!\r\n'
}

# Only one CR right before the LF is dropped; other CRs are bytes of the line (trimming is of
# spaces and tabs only); a line of just CR LF, or blanks and CR LF, is empty.
t_cr_handling() {
    start_hellod d
    input in 'a\r\r\nb\rc\n\r\n \r\n'
    talk "${HD_PORT[d]}" out in -N
    expect_file out 'Welcome!\r\nHello, a\r!\r\nHello, b\rc!\r\n'
}

# A line, and each kind of telnet command, split across two reads: the reply to the line
# before the split proves the server read the first part before the second was sent.
t_split_across_reads() {
    start_hellod d
    client_open c "${HD_PORT[d]}"
    client_expect c 'Welcome!'
    client_send c 'A\nMich'
    client_expect c 'Hello, A!'
    client_send c 'ael\n'
    client_expect c 'Hello, Michael!'
    client_send c 'B\n\xff'  # IAC | IAC
    client_expect c 'Hello, B!'
    client_send c '\xffC\n'
    client_expect c $'Hello, \xffC!'
    client_send c 'D\n\xff\xfb'  # IAC WILL | ECHO
    client_expect c 'Hello, D!'
    client_send c '\x01E\n'
    client_expect c 'Hello, E!'
    client_send c 'F\n\xff\xfa\x18\x00xt'  # IAC SB TTYPE IS "xt" | "erm" IAC SE
    client_expect c 'Hello, F!'
    client_send c 'erm\xff\xf0Ann\n'
    client_expect c 'Hello, Ann!'
    client_send c 'G\n\xff'  # IAC | IP
    client_expect c 'Hello, G!'
    client_send c '\xf4'
    client_expect c 'Bye!'
    client_expect_eof c
}

# =============================================================================================
# 5. Telnet commands and raw bytes

t_iac_options_filtered() {
    start_hellod d
    # IAC WILL ECHO, IAC IAC (one 0xFF); then IAC NOP, IAC DO x, IAC DONT x, IAC WONT x.
    input in '\xff\xfb\x01Mi\xff\xffke\n\xff\xf1A\xff\xfd\x03l\xff\xfe\x01\xff\xfc\x01i\n'
    talk "${HD_PORT[d]}" out in -N
    expect_file out 'Welcome!\r\nHello, Mi\xffke!\r\nHello, Ali!\r\n'
}

t_iac_subnegotiation_filtered() {
    start_hellod d
    # IAC SB TERMINAL-TYPE IS "xterm" IAC SE; the second one holds an IAC IAC inside.
    input in '\xff\xfa\x18\x00xterm\xff\xf0Ann\n\xff\xfa\x18\x00x\xff\xffy\xff\xf0Bo\n'
    talk "${HD_PORT[d]}" out in -N
    expect_file out 'Welcome!\r\nHello, Ann!\r\nHello, Bo!\r\n'
}

# IAC IP ends the session like the exit command: farewell, and the server closes (this nc
# does not half-close, so only the server's close ends it). Input after it is not answered.
t_iac_ip_ends_session() {
    start_hellod d
    input in 'Bob\n\xff\xf4Sue\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Welcome!\r\nHello, Bob!\r\nBye!\r\n'
    must_log d ' access .* lines=1 .* end=exit$' 'the session ended by IAC IP'
}

t_iac_brk_ends_session() {
    start_hellod d
    input in 'Bob\n\xff\xf3'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Welcome!\r\nHello, Bob!\r\nBye!\r\n'
}

t_bytes_faithful() {
    start_hellod d
    # UTF-8 "Zoë", Latin-1 "été" (not UTF-8), and a NUL byte inside a line.
    input in 'Zo\xc3\xab\n\xe9t\xe9\na\0b\n'
    talk "${HD_PORT[d]}" out in -N
    expect_file out 'Welcome!\r\nHello, Zo\xc3\xab!\r\nHello, \xe9t\xe9!\r\nHello, a\0b!\r\n'
}

# =============================================================================================
# 6. Settings, as seen on the wire

t_welcome_custom() {
    start_hellod d --welcome 'Hi there'
    input in 'Al\n'
    talk "${HD_PORT[d]}" out in -N
    expect_file out 'Hi there\r\nHello, Al!\r\n'
}

t_welcome_empty() {
    start_hellod d --welcome ''
    input in 'Al\n'
    talk "${HD_PORT[d]}" out in -N
    expect_file out 'Hello, Al!\r\n'
}

t_reply_template() {
    start_hellod d --reply 'Yo %s (100%%)'
    input in 'Michael\n'
    talk "${HD_PORT[d]}" out in -N
    expect_file out 'Welcome!\r\nYo Michael (100%%)\r\n'
}

t_exit_command_and_farewell() {
    start_hellod d --exit-command quit --farewell 'See ya'
    input in 'exit\nquit\nBob\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Welcome!\r\nHello, exit!\r\nSee ya\r\n'
}

t_farewell_empty() {
    start_hellod d --farewell ''
    input in 'Al\nexit\n'
    talk "${HD_PORT[d]}" out in  # the server must still close
    expect_file out 'Welcome!\r\nHello, Al!\r\n'
}

# An empty exit-command means no line ends the session.
t_exit_command_empty() {
    start_hellod d --exit-command ''
    input in 'exit\n\n'
    talk "${HD_PORT[d]}" out in -N
    expect_file out 'Welcome!\r\nHello, exit!\r\n'
}

# Command line > environment > config file > default, checked by the welcome on the wire.
t_settings_precedence() {
    printf '# test config\nwelcome = From file\n' >conf
    : >empty
    start_hellod file --config conf
    talk "${HD_PORT[file]}" out1 empty -N
    expect_file out1 'From file\r\n'

    HELLOD_CONFIG=conf start_hellod envconf
    talk "${HD_PORT[envconf]}" out2 empty -N
    expect_file out2 'From file\r\n'

    HELLOD_WELCOME='From env' start_hellod env --config conf
    talk "${HD_PORT[env]}" out3 empty -N
    expect_file out3 'From env\r\n'

    HELLOD_WELCOME='From env' start_hellod cli --config conf --welcome 'From cli'
    talk "${HD_PORT[cli]}" out4 empty -N
    expect_file out4 'From cli\r\n'
}

# =============================================================================================
# 7. Refusing bad settings: exit status, and one line on stderr that names the culprit

t_err_unknown_flag() {
    run_bin r --lisen x
    expect_fatal r 64 '--lisen'
}

t_err_bad_number() {
    run_bin r --max-connections abc
    expect_fatal r 64 '--max-connections' 'abc'
}

# Names the spec reserves for later protocols are refused, not silently served as greeting.
t_err_bad_reply_template() {
    run_bin r --reply 'bad %d'
    expect_fatal r 64 '--reply' '%d'
}

# A port beyond 65535 is an error wherever a port is written, not the port it wraps to
# (86576 would be 21040): at start-up, in --test-config and in --probe.
t_err_port_out_of_range() {
    run_bin r "${SERVE_AS[@]}" --listen 127.0.0.1:86576
    expect_fatal r 64 "hellod: --listen: '127.0.0.1:86576' has port 86576, but ports go from 0 to 65535"
    run_bin t --test-config --listen 127.0.0.1:86576
    expect_fatal t 64 "hellod: --listen: '127.0.0.1:86576' has port 86576, but ports go from 0 to 65535"
    run_bin p --probe 127.0.0.1:86576
    expect_fatal p 64 '--probe 127.0.0.1:86576: the address has port 86576, but ports go from 0 to 65535'
    run_bin big --test-config --listen '[::1]:99999999999999999999999'
    expect_fatal big 64 'has port 99999999999999999999999'
}

t_err_config_bad_value() {
    printf '# hellod\n\nmax-connections = 0\n' >bad.conf
    run_bin r --config "$CASE_DIR/bad.conf"
    expect_fatal r 78 "$CASE_DIR/bad.conf:3" 'max-connections'
}

t_err_config_unknown_key() {
    printf 'welcome = hi\ncolour = blue\n' >bad.conf
    run_bin r --config "$CASE_DIR/bad.conf"
    expect_fatal r 78 "$CASE_DIR/bad.conf:2" 'colour'
}

t_err_config_missing() {
    run_bin r --config /nonexistent/hellod.conf
    expect_fatal r 66 '/nonexistent/hellod.conf'
}

t_err_env_bad_value() {
    HELLOD_IDLE_TIMEOUT=-1 run_bin r --listen 127.0.0.1:0
    expect_fatal r 78 'HELLOD_IDLE_TIMEOUT'
}

t_err_port_in_use() {
    start_hellod first
    run_bin r "${SERVE_AS[@]}" --listen "127.0.0.1:${HD_PORT[first]}"
    expect_fatal r 69 'already in use' "127.0.0.1:${HD_PORT[first]}"
    # The first one is unharmed.
    input in 'Al\n'
    talk "${HD_PORT[first]}" out in -N
    expect_file out 'Welcome!\r\nHello, Al!\r\n'
}

t_err_unresolvable_host() {
    run_bin r "${SERVE_AS[@]}" --listen nohost.invalid:1
    expect_fatal r nonzero 'nohost.invalid'
}

t_test_config() {
    printf 'listen = 127.0.0.1:0\nwelcome = "  padded  " # comment\nidle-timeout = 0.5\n' >good.conf
    run_bin ok --test-config --config "$CASE_DIR/good.conf" "${SERVE_AS[@]}"
    ((RC == 0)) || fail "--test-config on a good file: exit $RC: $(head -c 300 ok.err)"
    [[ -s ok.err ]] && fail "--test-config wrote to stderr: $(head -c 300 ok.err)"
    grep -qF "$CASE_DIR/good.conf" ok.out || fail "--test-config output does not name the file: $(head -c 300 ok.out)"
    printf 'listen = 127.0.0.1:0\nbacklog = many\n' >bad.conf
    run_bin bad -t --config "$CASE_DIR/bad.conf"
    expect_fatal bad 78 "$CASE_DIR/bad.conf:2" 'backlog'
}

t_help() {
    run_bin h --help
    ((RC == 0)) || fail "--help: exit $RC"
    [[ -s h.err ]] && fail "--help wrote to stderr: $(head -c 300 h.err)"
    [[ $(head -n 1 h.out) == 'Usage: hellod'* ]] || fail "--help does not start with Usage: $(head -n 1 h.out)"
    local option
    for option in listen config welcome reply exit-command farewell backlog max-connections \
        max-connections-per-ip idle-timeout write-timeout max-line-bytes shutdown-timeout \
        log-level log-format help version test-config print-config; do
        grep -qE -- "(^|[^-a-z])--$option([^-a-z]|\$)" h.out || fail "--help does not mention --$option"
    done
}

t_version() {
    run_bin v --version
    ((RC == 0)) || fail "--version: exit $RC"
    [[ -s v.err ]] && fail "--version wrote to stderr: $(head -c 300 v.err)"
    [[ $(wc -l <v.out) == 1 && $(cat v.out) =~ ^hellod\ ([0-9]+\.[0-9]+\.[0-9]+)$ ]] ||
        fail "--version printed $(q "$(cat v.out)")"
    local version=${BASH_REMATCH[1]}
    start_hellod d
    [[ $LOG_LINE == *"hellod $version listening on"* ]] ||
        fail "start-up line does not carry version $version: $LOG_LINE"
}

# --print-config output read back with --config prints the same, and a daemon run from it
# sends the same welcome bytes (values with blanks, '#', ';', quotes, backslash, tab).
t_print_config_roundtrip() {
    local welcome=$' spaced #1; "q" \\ x\ty '
    run_bin a --listen 127.0.0.1:0 --welcome "$welcome" --reply 'R %s 100%%' \
        --exit-command quit --farewell '' --backlog 12 --max-connections 7 \
        --max-connections-per-ip 2 --idle-timeout 7.25 --write-timeout 1.5 --max-line-bytes 64 \
        --shutdown-timeout 0 --log-level debug --log-format json --print-config
    ((RC == 0)) || fail "--print-config: exit $RC: $(head -c 300 a.err)"
    local setting
    for setting in 'backlog = 12' 'max-connections = 7' 'max-connections-per-ip = 2' \
        'idle-timeout = 7.25' 'write-timeout = 1.5' 'max-line-bytes = 64' \
        'shutdown-timeout = 0' 'log-level = debug' 'log-format = json' 'exit-command = quit' \
        'listen = 127.0.0.1:0'; do
        grep -qxF -- "$setting" a.out || fail "--print-config lacks the line '$setting': $(tr '\n' '|' <a.out)"
    done
    cp a.out a.conf
    run_bin b --config "$CASE_DIR/a.conf" --print-config
    ((RC == 0)) || fail "--config on printed settings: exit $RC: $(head -c 300 b.err)"
    cmp -s a.out b.out || fail "round trip differs: $(diff a.out b.out | tr '\n' '|')"
    start_hellod d --config "$CASE_DIR/a.conf"
    input in 'Al\nquit\n'
    talk "${HD_PORT[d]}" out in
    expect_file out '%s\r\nR Al 100%%\r\n' "$welcome"
}

# =============================================================================================
# 8-11. Timeouts, capacity, shutdown

t_idle_timeout() {
    start_hellod d --idle-timeout 0.5
    local t0 elapsed
    t0=$(now_ms)
    client_open c "${HD_PORT[d]}"
    client_expect c 'Welcome!'
    client_expect c 'Error: idle timeout' 5
    client_expect_eof c
    elapsed=$(($(now_ms) - t0))
    ((elapsed >= 400 && elapsed < 5000)) || fail "idle timeout after ${elapsed} ms, wanted 0.5 s"
    must_log d ' access .* end=idle$' 'the idle session'
}

# One session holds the only slot; the next client is told the server is busy and closed
# (nc here never half-closes: only the server's close ends it), and the first goes on.
busy_case() {
    start_hellod d "$@"
    client_open a "${HD_PORT[d]}"
    client_expect a 'Welcome!'
    : >empty
    talk "${HD_PORT[d]}" out empty
    expect_file out 'Error: server busy, try again later\r\n'
    must_log d ' access peer=127\.0\.0\.1:[0-9]+ .* end=busy( |$)' 'the turned-away client'
    client_send a 'Ann\n'
    client_expect a 'Hello, Ann!'
    client_send a 'exit\n'
    client_expect a 'Bye!'
    client_expect_eof a
}

t_busy_max_connections() {
    busy_case --max-connections 1
}

t_busy_max_connections_per_ip() {
    busy_case --max-connections-per-ip 1
    # Another address is not limited by 127.0.0.1's count.
    client_open b "${HD_PORT[d]}"
    client_expect b 'Welcome!'
    : >empty
    talk "${HD_PORT[d]}" out2 empty -N -s 127.0.0.2
    expect_file out2 'Welcome!\r\n'
}

# limited_hellod WRAPPER LIMIT [EXEC_PREFIX]: a wrapper that runs the LIMIT command, then
# execs [EXEC_PREFIX] hellod (same PID, so start_hellod's PID is the daemon's).
limited_hellod() {
    printf '#!/usr/bin/env bash\n%s\nexec %s %q "$@"\n' "$2" "${3:-}" "$HELLOD" >"$1"
    chmod +x "$1"
}

# cpu_ticks PID: user+system CPU time of PID in clock ticks.
cpu_ticks() {
    local stat
    local -a f
    read -r stat <"/proc/$1/stat"
    stat=${stat##*) }  # past the command name, which may hold spaces
    read -r -a f <<<"$stat"
    echo $((f[11] + f[12]))
}

# admit_clients FIRST END: opens clients cFIRST..c(END-1) on hellod d; each must get the
# welcome, or the busy line and then EOF, within $WAIT. Counts them in WELCOMED and BUSY.
admit_clients() {
    local i line
    WELCOMED=0 BUSY=0
    for ((i = $1; i < $2; i++)); do
        client_open "c$i" "${HD_PORT[d]}"
        IFS= read -r -t "$WAIT" -u "${CL_R[c$i]}" line || fail "client $i got no line within ${WAIT}s"
        case $line in
            $'Welcome!\r') WELCOMED=$((WELCOMED + 1)) ;;
            $'Error: server busy, try again later\r') BUSY=$((BUSY + 1)); client_expect_eof "c$i" ;;
            *) fail "client $i got $(q "$line")" ;;
        esac
    done
}

# finish_clients END: every client c0..c(END-1) still connected is answered, then says goodbye.
finish_clients() {
    local i
    for ((i = 0; i < $1; i++)); do
        [[ -e /proc/${CL_PID[c$i]} ]] || continue
        client_send "c$i" 'x%d\nexit\n' "$i"
        client_expect "c$i" "Hello, x$i!"
        client_expect "c$i" 'Bye!'
        client_expect_eof "c$i"
    done
}

# Out of descriptors (a hard limit of 32): the clients past what fits get the busy line rather
# than waiting in the backlog, the accept loop does not spin, the open sessions go on, and
# once they end the daemon serves again.
t_descriptor_exhaustion() {
    # UBSan checks the type behind a virtual call with a pipe(2) probe; once descriptors are
    # exhausted the probe fails and UBSan reports a valid object as bad and aborts. The case
    # runs on the plain and TSan builds.
    if ldd "$HELLOD" 2>/dev/null | grep -q libubsan; then
        skip "UBSan needs descriptors of its own (a pipe per type check)"
    fi
    limited_hellod limited 'ulimit -n 32'
    HELLOD=$CASE_DIR/limited start_hellod d
    # One exchange before descriptors run out: a session in mid-talk goes on.
    client_open c0 "${HD_PORT[d]}"
    client_expect c0 'Welcome!'
    client_send c0 'warm\n'
    client_expect c0 'Hello, warm!'
    admit_clients 1 40
    ((WELCOMED + 1 >= 20 && BUSY >= 5)) || fail "welcomed $((WELCOMED + 1)), busy $BUSY of 40 (want >= 20 and >= 5)"
    must_log d 'warning .*turning new clients away' 'the exhaustion warning'
    # Still exhausted when one more client arrives: one second of the daemon's CPU time shows it
    # answering rather than spinning on a listener that stays readable.
    client_open late "${HD_PORT[d]}"
    local before after
    before=$(cpu_ticks "${HD_PID[d]}")
    sleep 1  # a measurement window, not a wait for an event
    after=$(cpu_ticks "${HD_PID[d]}")
    ((after - before < 20)) || fail "the daemon used $((after - before)) ticks in 1 s while out of descriptors (spinning)"
    client_expect late 'Error: server busy, try again later'
    # The open sessions are unharmed, and once they end new clients are served.
    finish_clients 40
    client_open again "${HD_PORT[d]}"
    client_expect again 'Welcome!'
}

# No thread can be started (RLIMIT_NPROC as an unprivileged user): the client gets the busy
# line, the daemon goes on, and serves again once threads free up. Needs root to switch user.
t_thread_start_failure() {
    (($(id -u) == 0)) || skip "needs root to run hellod as nobody under a process limit"
    command -v setpriv >/dev/null || skip "no setpriv"
    id nobody >/dev/null 2>&1 || skip "no user nobody"
    # RLIMIT_NPROC counts every thread of the user: leave room for hellod's main thread and
    # three workers beyond whatever nobody already runs on this machine.
    local others
    others=$(ps -L -u nobody --no-headers 2>/dev/null | wc -l)
    limited_hellod limited "ulimit -u $((others + 4))" 'setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all'
    HELLOD=$CASE_DIR/limited start_hellod d
    # The limit is known at start-up, so the operator hears of it before any client does.
    grep -qE 'warning max-connections 10000 needs about 10005 threads but the task limit is [0-9]+, so only about [0-9]+ sessions fit' "${HD_LOG[d]}" ||
        fail "no start-up warning about the task limit: $(head -c 600 "${HD_LOG[d]}")"
    admit_clients 0 12
    ((WELCOMED >= 1 && BUSY >= 2)) || fail "welcomed $WELCOMED, busy $BUSY of 12 (want 1 and 2)"
    must_log d 'warning .*cannot start a worker thread' 'the thread-start warning'
    # One line for all of them (at most one each 10 s), not one per client turned away.
    local warnings
    warnings=$(grep -c 'cannot start a worker thread' "${HD_LOG[d]}")
    ((warnings == 1)) || fail "$warnings thread-start warnings for $BUSY clients turned away, wanted 1"
    finish_clients 12
    client_open again "${HD_PORT[d]}"
    client_expect again 'Welcome!'
}

# Sessions can hold far more memory than there is (two lines of max-line-bytes each, and their
# thread): said, with the numbers, at start-up and by --test-config.
t_memory_capacity_warning() {
    local amount='[0-9]+\.[0-9] (KiB|MiB|GiB|TiB)'
    local re="max-connections 1000000 can take up to about 2\\.1 TiB of memory \\(about 2\\.2 MiB a session with max-line-bytes 1048576: a partial line, a reply as long, and its thread\\) but only $amount is available to hellod \\((MemAvailable in /proc/meminfo|/sys/fs/cgroup/[^()]*)\\), so only about [0-9]+ sessions fit; lower max-connections or max-line-bytes(, or raise the cgroup's limit \\(MemoryMax= under systemd\\))?"
    run_bin t -t --listen 127.0.0.1:0 --max-line-bytes 1048576 --max-connections 1000000 \
        "${SERVE_AS[@]}"
    ((RC == 0)) || fail "--test-config: exit $RC, wanted 0: $(head -c 300 t.err)"
    grep -qx 'hellod: settings are valid, with [0-9]* warnings\?' t.out ||
        fail "--test-config: $(q "$(cat t.out)"), wanted the count of warnings"
    grep -qxE "hellod: warning: $re" t.err || fail "--test-config did not warn about memory; stderr: $(head -c 800 t.err)"
    start_hellod d --max-line-bytes 1048576 --max-connections 1000000
    grep -qxE "$TS warning $re" "${HD_LOG[d]}" || fail "the start did not warn about memory; log: $(head -c 1200 "${HD_LOG[d]}")"
}

t_shutdown_sigterm() {
    start_hellod d --shutdown-timeout 3
    client_open a "${HD_PORT[d]}"
    client_expect a 'Welcome!'
    client_open b "${HD_PORT[d]}"
    client_expect b 'Welcome!'
    local t0 elapsed
    t0=$(now_ms)
    kill -TERM "${HD_PID[d]}"
    client_expect a 'Error: server shutting down'
    client_expect_eof a
    client_expect b 'Error: server shutting down'
    client_expect_eof b
    wait_exit "${HD_PID[d]}" 3 || fail "hellod still running 3 s after SIGTERM"
    wait "${HD_PID[d]}"
    HD_RC=$?
    elapsed=$(($(now_ms) - t0))
    ((HD_RC == 0)) || fail "exit status $HD_RC after SIGTERM, wanted 0"
    ((elapsed < 3000)) || fail "took ${elapsed} ms to stop"
    grep -q 'shutting down' d.log || fail "the log does not say shutting down: $(tail -c 500 d.log)"
    local n
    n=$(grep -c ' access .* end=shutdown$' d.log)
    ((n == 2)) || fail "$n access lines with end=shutdown, wanted 2: $(tail -c 800 d.log)"
}

t_shutdown_sigint() {
    start_hellod d
    client_open a "${HD_PORT[d]}"
    client_expect a 'Welcome!'
    kill -INT "${HD_PID[d]}"
    client_expect a 'Error: server shutting down'
    client_expect_eof a
    wait_exit "${HD_PID[d]}" 3 || fail "hellod still running 3 s after SIGINT"
    wait "${HD_PID[d]}"
    HD_RC=$?
    ((HD_RC == 0)) || fail "exit status $HD_RC after SIGINT, wanted 0"
}

# A client that sends without ever reading: the server's replies fill the socket buffers and
# its worker blocks in send().
flood_client() {
    head -c 8000000 < <(yes a) >flood
    socat -u FILE:flood "TCP:127.0.0.1:$1,rcvbuf=4096" >/dev/null 2>&1 &
    KILL_PIDS+=("$!")
}

t_write_timeout() {
    start_hellod d --write-timeout 0.5
    flood_client "${HD_PORT[d]}"
    must_log d ' access .* end=error detail="write timed out"$' 'the client that stopped reading' 10
    input in 'Al\n'
    talk "${HD_PORT[d]}" out in -N
    expect_file out 'Welcome!\r\nHello, Al!\r\n'
}

# server_queues PORT: prints "SENDQ RECVQ" (bytes) of the established TCP socket whose local
# port is PORT (hellod's side of the one session), from /proc/net/tcp. grep reads the file in
# large blocks: bash's read takes it a byte per read(2), and procfs walks the socket table
# again for each, which takes seconds once thousands of sockets are in TIME_WAIT (after the soak
# test, say) and made this case time out.
server_queues() {
    local want line queues
    want=$(printf '%04X' "$1")
    line=$(grep -m1 -E "^ *[0-9]+: [0-9A-F]{8}:$want [0-9A-F]{8}:[0-9A-F]{4} 01 " /proc/net/tcp) ||
        return 1
    read -r _ _ _ _ queues _ <<<"$line"
    echo $((16#${queues%:*})) $((16#${queues#*:}))
}

# A client that never reads: its worker is blocked in send() when SIGTERM comes. The spec's
# bound still holds: the session is ended (by the shutdown or, still open after
# shutdown-timeout, cut) and the process exits 0 within shutdown-timeout (+ margin).
# (Whether the cut path runs is up to the kernel: on Linux the SHUT_RD that wakes readers
# also wakes the blocked sender, and send-buffer autotuning often lets it finish; so the
# test does not insist on a cut.)
t_shutdown_stuck_client() {
    start_hellod d --shutdown-timeout 1
    flood_client "${HD_PORT[d]}"
    # No event says "the worker is blocked in send()". The socket shows it: the client never
    # reads, so the server's send queue only grows while the worker makes progress; unread
    # input with a send queue unchanged for 3 samples (100 ms) means it is stuck in send().
    # Polled every 50 ms, bounded by 15 s: on a machine loaded by parallel tests, reaching the
    # stuck state takes a while, and this wait only sets the scene for the assertion below.
    local deadline same=0 last='' now
    deadline=$(($(now_ms) + 15000))
    while ((same < 3)); do
        (($(now_ms) < deadline)) || fail "the worker never blocked in send() within 15s (queues: $last)"
        now=$(server_queues "${HD_PORT[d]}") || now=''
        if [[ -n $now && $now == "$last" && ${now% *} -gt 0 && ${now#* } -gt 0 ]]; then
            same=$((same + 1))
        else
            same=1
        fi
        last=$now
        sleep 0.05
    done
    kill -TERM "${HD_PID[d]}"
    wait_exit "${HD_PID[d]}" 3 || fail "hellod still running 3 s after SIGTERM with shutdown-timeout 1"
    wait "${HD_PID[d]}"
    HD_RC=$?
    ((HD_RC == 0)) || fail "exit status $HD_RC, wanted 0"
    grep -qE ' access .* end=(shutdown|error)( |$)' d.log ||
        fail "no access line ending the stuck session: $(tail -c 500 d.log)"
}

# =============================================================================================
# 12. Logging

readonly TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}'

t_log_access_line() {
    start_hellod d
    [[ $LOG_LINE =~ ^$TS\ info\ \ hellod\ [0-9.]+\ listening\ on\ 127\.0\.0\.1:[0-9]+\ \( ]] ||
        fail "start-up line format: $LOG_LINE"
    input in 'Michael\r\nTracy\n\n  Sarah  \nexit\n'
    talk "${HD_PORT[d]}" out in -N
    # 5 lines (the blank and the exit count), 31 bytes in, 63 out.
    must_log d "^$TS info  access peer=127\\.0\\.0\\.1:[0-9]+ duration=[0-9]+\\.[0-9]{3}s lines=5 in=31 out=63 end=exit\$" 'the session'
}

# Runs one session and stops hellod; the log is complete afterwards.
session_then_stop() {
    input in 'Al\nexit\n'
    talk "${HD_PORT[$1]}" out in
    expect_file out 'Welcome!\r\nHello, Al!\r\nBye!\r\n'
    must_log "$1" 'access .* end=exit$' 'the session'
    stop_hellod "$1" TERM 5
    ((HD_RC == 0)) || fail "exit status $HD_RC after SIGTERM"
}

t_log_journal_format() {
    : >j.log
    JOURNAL_STREAM=$(stat -c '%d:%i' j.log) start_hellod j
    session_then_stop j
    local line
    while IFS= read -r line; do
        [[ $line =~ ^\<[0-7]\> ]] || fail "line without <N> prefix: $line"
        [[ $line =~ $TS ]] && fail "journal line carries a timestamp: $line"
    done <j.log
    grep -qE '^<6>hellod [0-9.]+ listening on ' j.log || fail "no <6> start-up line: $(head -c 300 j.log)"
    grep -qE '^<6>access peer=127\.0\.0\.1:[0-9]+ .* end=exit$' j.log || fail "no <6> access line: $(tail -c 300 j.log)"
    # A fatal start-up error is an error to journald too.
    : >f.log
    JOURNAL_STREAM=$(stat -c '%d:%i' f.log) timeout 30 "$HELLOD" --max-connections 0 2>f.log
    grep -qE '^<3>hellod: --max-connections: ' f.log || fail "fatal error without <3>: $(head -c 300 f.log)"
}

t_log_journal_mismatch() {
    : >t.log
    local dev ino
    read -r dev ino < <(stat -c '%d %i' t.log)
    JOURNAL_STREAM="$dev:$((ino + 1))" start_hellod t
    session_then_stop t
    local line
    while IFS= read -r line; do
        [[ $line =~ ^$TS\ (info |warning|error|debug|trace)\  ]] || fail "line without timestamp and level: $line"
    done <t.log
    grep -qE "^$TS info  access " t.log || fail "no access line: $(tail -c 300 t.log)"
}

# At warning no start-up line is logged, so the port comes from /proc. The bogus HELLOD_
# variable gives a warning line: proof that the log works while info lines are suppressed.
t_log_level_warning() {
    HELLOD_BOGUS_SETTING=1 start_hellod_unwaited w --listen 127.0.0.1:0 --log-level warning
    # shellcheck disable=SC2154  # w: a key of lib.sh's associative HD_PORT, not a variable
    HD_PORT[w]=$(proc_listen_port "${HD_PID[w]}") || fail "hellod is not listening: $(head -c 300 w.log)"
    input in 'Al\nexit\n'
    talk "${HD_PORT[w]}" out in
    expect_file out 'Welcome!\r\nHello, Al!\r\nBye!\r\n'
    # Stopping joins every worker, so any access line would be in the log by the exit.
    stop_hellod w TERM 5
    ((HD_RC == 0)) || fail "exit status $HD_RC after SIGTERM"
    grep -qE "^$TS warning .*HELLOD_BOGUS_SETTING" w.log || fail "no warning line: $(head -c 300 w.log)"
    grep -q 'access' w.log && fail "access line logged at --log-level warning: $(grep access w.log)"
    grep -q ' info ' w.log && fail "info line logged at --log-level warning: $(grep ' info ' w.log | head -n 2)"
    return 0
}

# =============================================================================================

CASES=(
    nc_transcript socat_transcript socat_crlf telnet_exit telnet_ctrl_c
    line_1024_accepted line_1025_refused line_5000_then_next max_line_bytes_8
    trim_and_pipelining partial_last_line exit_command_rules cr_handling split_across_reads
    iac_options_filtered iac_subnegotiation_filtered iac_ip_ends_session iac_brk_ends_session
    bytes_faithful
    welcome_custom welcome_empty reply_template exit_command_and_farewell farewell_empty exit_command_empty
    settings_precedence
    err_unknown_flag err_bad_number err_bad_reply_template err_port_out_of_range err_config_bad_value
    err_config_unknown_key err_config_missing err_env_bad_value err_port_in_use
    err_unresolvable_host test_config help version print_config_roundtrip
    idle_timeout busy_max_connections busy_max_connections_per_ip descriptor_exhaustion thread_start_failure memory_capacity_warning shutdown_sigterm
    shutdown_sigint write_timeout shutdown_stuck_client
    log_access_line log_journal_format log_journal_mismatch log_level_warning
)

# The cases of later chapters of the contract, each file adding to CASES.
for cases in protocols reload hostile systemd probe logging privileges access metrics operator; do
    # shellcheck source=/dev/null
    source "$HERE/$cases.sh"
done

passed=0
failed=0
skipped=0
started=$(now_ms)
for name in "${CASES[@]}"; do
    [[ -n $ONLY && ! $name =~ $ONLY ]] && continue
    CASE_DIR="$TMP/$name"
    mkdir -p "$CASE_DIR"
    (
        cd "$CASE_DIR" || exit 1
        trap case_cleanup EXIT
        trap 'exit 143' TERM
        "t_$name"
    ) >"$CASE_DIR/output" 2>&1 &
    CASE_PID=$!
    # Every step of a case is bounded; this bounds the case as a whole as well.
    if ! wait_exit "$CASE_PID" 60; then
        printf 'case timed out after 60 s\n' >"$CASE_DIR/reason"
        kill -TERM "$CASE_PID" 2>/dev/null
    fi
    wait "$CASE_PID"
    rc=$?
    CASE_PID=''
    if ((rc == 0)); then
        if [[ -s $CASE_DIR/skipped ]]; then
            skipped=$((skipped + 1))
            printf 'skip %s: %s\n' "$name" "$(head -n 1 "$CASE_DIR/skipped")"
        else
            passed=$((passed + 1))
            printf 'ok   %s\n' "$name"
        fi
    else
        failed=$((failed + 1))
        if [[ -s $CASE_DIR/reason ]]; then
            printf 'FAIL %s: %s\n' "$name" "$(head -n 1 "$CASE_DIR/reason")"
        else
            printf 'FAIL %s: exited %d: %s\n' "$name" "$rc" "$(tail -n 3 "$CASE_DIR/output" | tr '\n' ' ')"
        fi
    fi
done
printf 'e2e: %d ms\n' $(($(now_ms) - started))
((failed > 0)) && [[ ${E2E_KEEP:-} != 1 ]] && echo 'e2e: rerun with E2E_KEEP=1 to keep the logs and transcripts'
if ((skipped > 0)); then
    printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
else
    printf '%d passed, %d failed\n' "$passed" "$failed"
fi
((failed == 0))
