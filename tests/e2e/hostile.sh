# shellcheck shell=bash
# Hostile and broken clients, sourced by run.sh. In each case a bystander session is open the
# whole time and must get every reply: whatever one client does, the others lose nothing.

bystander_open() {
    client_open by "${HD_PORT[d]}"
    client_expect by 'Welcome!'
}

# bystander_check TAG: one exchange on the bystander's session.
bystander_check() {
    client_send by '%s\n' "$1"
    client_expect by "Hello, $1!"
}

# stream_session WHAT ACCESS_REGEX EXPECTED_FORMAT: streams standard input to hellod d through
# socat while the bystander talks; the session's access line must come, its answer must be
# EXPECTED_FORMAT, and the daemon's peak memory must grow by less than 16 MiB.
stream_session() {
    local what=$1 access=$2 expected=$3 before after
    before=$(vm_hwm "${HD_PID[d]}")
    # <&0: without a redirection of its own, a background command's stdin is /dev/null.
    timeout 40 socat -b 65536 -t 5 - "TCP:127.0.0.1:${HD_PORT[d]}" <&0 >out 2>err &
    local client=$!
    KILL_PIDS+=("$client")
    bystander_check during
    must_log d "$access" "$what" 40
    # The access line can come before socat has written the last reply to its file.
    wait "$client" || true
    expect_file out "$expected"
    after=$(vm_hwm "${HD_PID[d]}")
    ((after - before < 16384)) || fail "peak memory grew by $((after - before)) KiB for $what"
    bystander_check after
}

# A 100 MB line with no newline: one "too long" answer, memory bounded by max-line-bytes, and
# the session goes on after the newline.
t_hostile_huge_line() {
    start_hellod d
    bystander_open
    stream_session 'a 100 MB line' ' access .* lines=3 in=100000010 out=[0-9]+ end=exit$' \
        'Welcome!\r\nError: line too long (limit 1024 bytes)\r\nHello, Ann!\r\nBye!\r\n' \
        < <(head -c 100000000 /dev/zero | tr '\0' x; printf '\nAnn\nexit\n')
}

# NUL, invalid UTF-8 and terminal escapes come back byte for byte, and reach the log escaped:
# nothing in the log is a control byte or invalid UTF-8.
t_hostile_nul_and_invalid_utf8() {
    start_hellod d --log-level trace
    bystander_open
    input in 'a\0b\xc3\x28\xa0\xa1\e[31mred\e]0;title\a\x7f\n\xed\xa0\x80\xf8\x88\x80\x80\x80\nexit\n'
    talk "${HD_PORT[d]}" out in -N
    expect_file out 'Welcome!\r\nHello, a\0b\xc3\x28\xa0\xa1\e[31mred\e]0;title\a\x7f!\r\nHello, \xed\xa0\x80\xf8\x88\x80\x80\x80!\r\nBye!\r\n'
    must_log d 'line "a\\x00b\\xc3\(\\xa0\\xa1\\x1b\[31mred\\x1b\]0;title\\x07\\x7f"' 'the escaped line'
    must_log d 'line "\\xed\\xa0\\x80\\xf8\\x88\\x80\\x80\\x80"' 'the escaped invalid UTF-8'
    must_log d ' access .* end=exit$' 'the session'
    # Every byte of the log is printable ASCII, a tab or a newline.
    if LC_ALL=C grep -q '[^[:print:]	]' d.log; then
        fail "raw control or non-ASCII bytes in the log: $(LC_ALL=C grep -m1 '[^[:print:]	]' d.log | show_bytes /dev/stdin)"
    fi
    bystander_check after
}

# A flood of telnet negotiation (200,000 option requests and an endless sub-negotiation that
# is finally closed) gets no answer at all, costs no memory, and the line after it is served.
t_hostile_telnet_flood() {
    start_hellod d
    bystander_open
    stream_session 'a telnet flood' ' access .* end=exit$' 'Welcome!\r\nHello, Ann!\r\nBye!\r\n' < <(
        yes $'\xff\xfb\x01\xff\xfd\x03\xff\xfe\x05' | head -n 200000 | tr -d '\n'
        printf '\xff\xfa\x18'
        head -c 5000000 /dev/zero
        printf '\xff\xf0Ann\nexit\n'
    )
}

# A client that sends and never reads: its worker blocks in send() until the write timeout
# closes it; meanwhile the bystander is served.
t_hostile_never_reads() {
    start_hellod d --write-timeout 1
    bystander_open
    flood_client "${HD_PORT[d]}"
    bystander_check during
    must_log d ' access .* end=error detail="write timed out"$' 'the client that never reads' 15
    bystander_check after
}

# Slow-drip clients: each sends a byte now and then, never a line, to hold a slot. The per-IP
# limit caps how many slots one address holds while other addresses are served; a connection
# that goes quiet is closed by the idle timeout, and its slot is free again.
t_hostile_slow_drip() {
    start_hellod d --max-connections-per-ip 4 --idle-timeout 1
    local i
    for i in 1 2 3 4; do
        client_open "drip$i" "${HD_PORT[d]}"
        client_expect "drip$i" 'Welcome!'
        client_send "drip$i" 'x'
    done
    : >empty
    talk "${HD_PORT[d]}" out empty
    expect_file out 'Error: server busy, try again later\r\n'
    input in 'Ann\nexit\n'
    talk "${HD_PORT[d]}" out2 in -s 127.0.0.2
    expect_file out2 'Welcome!\r\nHello, Ann!\r\nBye!\r\n'
    talk "${HD_PORT[d]}" out3 empty -s 127.0.0.3  # says nothing; only the server's close ends nc
    expect_file out3 'Welcome!\r\nError: idle timeout\r\n'
    # The drips stop: each is timed out, and the address is served again.
    for i in 1 2 3 4; do
        client_expect "drip$i" 'Error: idle timeout' 3
        client_expect_eof "drip$i"
    done
    input in 'exit\n'
    talk "${HD_PORT[d]}" out4 in
    expect_file out4 'Welcome!\r\nBye!\r\n'
}

# A client that resets the connection while replies are in flight (it sends many lines, reads
# none, and closes with unread data, which makes its kernel send RST): that session ends with
# an error, the daemon goes on, and the bystander loses nothing.
t_hostile_reset_mid_reply() {
    start_hellod d
    bystander_open
    yes Ann | head -n 200000 >lines
    local i
    for i in 1 2 3; do
        timeout 10 socat -u FILE:lines "TCP:127.0.0.1:${HD_PORT[d]},rcvbuf=4096" 2>/dev/null
        must_log d ' access .* end=error detail="(Connection reset by peer|Broken pipe)"$' "reset session $i" 10
        bystander_check "b$i"
    done
}

CASES+=(
    hostile_huge_line hostile_nul_and_invalid_utf8 hostile_telnet_flood hostile_never_reads
    hostile_slow_drip hostile_reset_mid_reply
)
