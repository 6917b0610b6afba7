# shellcheck shell=bash
# Cases for access control (allow and deny), sourced by run.sh. Clients pick their source
# address on 127.0.0.0/8 (every address of it is loopback on Linux) to be one peer or another.

# refused_connect NAME FROM PORT: a client from source address FROM must read not a byte, then
# the reset hellod closes a refused peer with. socat -d reports the reset as a warning.
refused_connect() {
    local name=$1 from=$2 port=$3 rc
    timeout "$WAIT" socat -d -t "$WAIT" - "TCP:127.0.0.1:$port,bind=$from" \
        </dev/null >"$name.out" 2>"$name.err"
    rc=$?
    ((rc == 124)) && fail "$name: the server did not close a refused client within ${WAIT}s"
    [[ -s $name.out ]] && fail "$name: a refused client got bytes: [$(show_bytes "$name.out")]"
    grep -q 'Connection reset by peer' "$name.err" ||
        fail "$name: no reset (exit $rc): $(tr '\n' ' ' <"$name.err" | head -c 400)"
    return 0
}

# served_from NAME FROM PORT: a client from FROM gets the whole transcript.
served_from() {
    local name=$1 from=$2 port=$3
    input "$name.in" 'Ann\nexit\n'
    talk "$port" "$name.out" "$name.in" -s "$from"
    expect_file "$name.out" 'Welcome!\r\nHello, Ann!\r\nBye!\r\n'
}

# A denied peer is closed without a word however often it comes, and logged once; another
# peer is served meanwhile.
t_access_deny() {
    start_hellod d --deny 127.0.0.1,127.0.0.5
    [[ $LOG_LINE == *', deny 2 networks, '* ]] || fail "start-up line does not count the rules: $LOG_LINE"
    local i
    for i in 1 2 3 4 5; do
        refused_connect "r$i" 127.0.0.1 "${HD_PORT[d]}"
    done
    served_from ok 127.0.0.2 "${HD_PORT[d]}"
    # The accept loop logs a refusal before it accepts the next client, so once the served
    # session's access line is there, every refusal line is too.
    must_log d ' access peer=127\.0\.0\.2:[0-9]+ .* end=exit$' 'the session from 127.0.0.2'
    local lines
    lines=$(grep -c ' refused ' d.log)
    ((lines == 1)) || fail "$lines refusal lines for 5 refusals: $(grep ' refused ' d.log | tr '\n' '|')"
    grep -qE '^[0-9T:.+-]+ info  refused 127\.0\.0\.1 \(deny 127\.0\.0\.1/32\)$' d.log ||
        fail "no refusal line of the expected form: $(grep ' refused ' d.log)"
    grep -q 'access peer=127\.0\.0\.1:' d.log && fail "a refused peer has an access line: $(grep 'peer=127.0.0.1:' d.log)"
    refused_connect r6 127.0.0.5 "${HD_PORT[d]}"
    must_log d 'info  refused 127\.0\.0\.5 \(deny 127\.0\.0\.5/32\)$' 'the second denied peer'
}

# With an allow list only its addresses are served, and deny wins inside it.
t_access_allow_list() {
    HELLOD_ALLOW='127.0.0.2, 127.0.0.8/29' start_hellod d --deny 127.0.0.9
    served_from a 127.0.0.2 "${HD_PORT[d]}"
    served_from b 127.0.0.10 "${HD_PORT[d]}"
    refused_connect c 127.0.0.1 "${HD_PORT[d]}"
    must_log d 'info  refused 127\.0\.0\.1 \(no allow rule matches\)$' 'the peer no allow rule matches'
    refused_connect e 127.0.0.9 "${HD_PORT[d]}"
    must_log d 'info  refused 127\.0\.0\.9 \(deny 127\.0\.0\.9/32\)$' 'the peer deny wins over allow for'
}

# SIGHUP applies new rules to the next clients.
t_access_reload() {
    printf 'listen = 127.0.0.1:0\ndeny = 127.0.0.1\n' >hellod.conf
    start_hellod_unwaited d --config hellod.conf
    must_log d 'listening on 127\.0\.0\.1:([0-9]+) ' 'the start-up line'
    HD_PORT[d]=${BASH_REMATCH[1]}
    refused_connect before 127.0.0.1 "${HD_PORT[d]}"
    printf 'listen = 127.0.0.1:0\ndeny = 127.0.0.2\n' >hellod.conf
    kill -HUP "${HD_PID[d]}"
    must_log d 'info  reloaded hellod\.conf: changed deny;' 'the reload'
    served_from after 127.0.0.1 "${HD_PORT[d]}"
    refused_connect now_denied 127.0.0.2 "${HD_PORT[d]}"
    must_log d 'info  refused 127\.0\.0\.2 \(deny 127\.0\.0\.2/32\)$' 'the newly denied peer'
}

# Mistakes stop hellod with one sentence naming the option, from every source.
t_access_errors() {
    run_bin cli --allow 10.0.0.1/8
    expect_fatal cli 64 "hellod: --allow: '10.0.0.1/8' has host bits set past /8; did you mean 10.0.0.0/8?"
    run_bin prefix --deny 2001:db8::/129
    expect_fatal prefix 64 "--deny: '2001:db8::/129' has a prefix length that is not a whole number from 0 to 128"
    run_bin name --deny localhost
    expect_fatal name 64 "--deny: 'localhost' is not an IP address or network"
    run_bin all --deny all
    expect_fatal all 64 "--deny: 'all' is not an address"
    HELLOD_DENY='192.0.2.0/24 nonsense' run_bin env
    expect_fatal env 78 "HELLOD_DENY: 'nonsense' is not an IP address or network"
    printf 'allow = 192.0.2.0/24\nallow = 192.0.2.0/33\n' >bad.conf
    run_bin file --config "$CASE_DIR/bad.conf"
    expect_fatal file 78 "$CASE_DIR/bad.conf:2: allow: '192.0.2.0/33' has a prefix length"
    # An allow rule a deny rule covers is only a warning (it refuses no one who would be
    # admitted otherwise), logged at start-up.
    start_hellod d --allow 127.0.0.2 --deny 0.0.0.0/0
    grep -qF 'warning allow 127.0.0.2/32 can never admit anyone: deny 0.0.0.0/0 covers it, and deny wins' d.log ||
        fail "no warning about the covered allow rule: $(head -c 600 d.log)"
}

# --print-config writes one line per rule, which reads back to the same settings.
t_access_print_config() {
    run_bin a --allow '192.0.2.0/24, 2001:DB8::/32' --deny 192.0.2.7 --deny '::ffff:10.0.0.0/104' --print-config
    ((RC == 0)) || fail "--print-config: exit $RC: $(head -c 300 a.err)"
    local expected=$'allow = 192.0.2.0/24\nallow = 2001:db8::/32\ndeny = 192.0.2.7/32\ndeny = 10.0.0.0/8'
    [[ $(grep -E '^(allow|deny) ' a.out) == "$expected" ]] ||
        fail "rules printed as $(grep -E '^#? ?(allow|deny) ' a.out | tr '\n' '|')"
    cp a.out a.conf
    run_bin b --config "$CASE_DIR/a.conf" --print-config
    ((RC == 0)) || fail "--config on printed settings: exit $RC: $(head -c 300 b.err)"
    cmp -s a.out b.out || fail "round trip differs: $(diff a.out b.out | tr '\n' '|')"
    run_bin none --print-config
    grep -qxF '# allow = (none: every client is admitted unless denied)' none.out ||
        fail "no note for an empty allow list: $(grep allow none.out)"
}

t_access_help() {
    run_bin h --help
    ((RC == 0)) || fail "--help: exit $RC"
    grep -qE -- '--allow CIDR .*admit only clients in these networks' h.out ||
        fail "--help does not describe --allow: $(grep -A1 -- --allow h.out)"
    grep -qE -- '--deny CIDR .*refuse clients in these networks' h.out ||
        fail "--help does not describe --deny: $(grep -A1 -- --deny h.out)"
}

# Behind a balancer (proxy-protocol-from): the balancer is 127.0.0.1, played by nc. A v1 header,
# then the client's lines in the same write: the client's transcript, and its address in the
# access line with the balancer's as via=, in text and in JSON.
t_proxy_protocol_v1() {
    start_hellod d --proxy-protocol-from 127.0.0.1 --log-format json
    input v1.in 'PROXY TCP4 192.0.2.7 127.0.0.1 51234 %s\r\nAnn\nexit\n' "${HD_PORT[d]}"
    talk "${HD_PORT[d]}" v1.out v1.in -s 127.0.0.1
    expect_file v1.out 'Welcome!\r\nHello, Ann!\r\nBye!\r\n'
    must_log d '"message":"access","peer":"192\.0\.2\.7:51234","via":"127\.0\.0\.1:[0-9]+",.*"bytes_in":9,' 'the proxied access line'
    # Anyone else is served as before: the same bytes from 127.0.0.2 are a line like any other.
    talk "${HD_PORT[d]}" direct.out v1.in -s 127.0.0.2
    expect_file direct.out 'Welcome!\r\nHello, PROXY TCP4 192.0.2.7 127.0.0.1 51234 %s!\r\nHello, Ann!\r\nBye!\r\n' "${HD_PORT[d]}"
    must_log d '"peer":"127\.0\.0\.2:[0-9]+","duration"' 'the direct access line'
}

# A v2 header (binary, as haproxy's send-proxy-v2 writes it) naming an IPv6 client, a deny rule
# that applies to that client, and a balancer connection without a header: closed unanswered
# and warned about once.
t_proxy_protocol_v2_and_bad_headers() {
    start_hellod d --proxy-protocol-from 127.0.0.1 --deny 2001:db8::66
    local sig='\r\n\r\n\0\r\nQUIT\n' addresses='\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0'
    input v2.in "$sig"'\x21\x21\0\x24'"$addresses"'\x07'"$addresses"'\x01\xc8\x1b\x27\x0fAnn\nexit\n'
    talk "${HD_PORT[d]}" v2.out v2.in -s 127.0.0.1
    expect_file v2.out 'Welcome!\r\nHello, Ann!\r\nBye!\r\n'
    must_log d ' access peer=\[2001:db8::7\]:51227 via=127\.0\.0\.1:[0-9]+ duration=' 'the v2 access line'
    input denied.in "$sig"'\x21\x21\0\x24'"$addresses"'\x66'"$addresses"'\x01\xc8\x1b\x27\x0f'
    timeout "$WAIT" socat -d -t "$WAIT" - "TCP:127.0.0.1:${HD_PORT[d]},bind=127.0.0.1" \
        <denied.in >denied.out 2>denied.err
    [[ -s denied.out ]] && fail "a denied client got bytes: [$(show_bytes denied.out)]"
    must_log d 'info  refused \[2001:db8::66\] via 127\.0\.0\.1:[0-9]+ \(deny 2001:db8::66/128\)$' 'the refusal'
    local i
    for i in 1 2 3; do
        input "bad$i.in" 'Ann\nexit\n'
        talk "${HD_PORT[d]}" "bad$i.out" "bad$i.in" -s 127.0.0.1
        [[ -s bad$i.out ]] && fail "a balancer connection without a header got bytes: [$(show_bytes "bad$i.out")]"
    done
    must_log d 'warning bad PROXY header from 127\.0\.0\.1:[0-9]+ \(not a PROXY header\); closed without a reply$' 'the bad header warning'
    # Each warning is queued before its connection is closed, so once a later session's line is
    # in the log, every warning the three could have caused is too.
    input later.in "$sig"'\x21\x21\0\x24'"$addresses"'\x07'"$addresses"'\x01\xc8\x1c\x27\x0fexit\n'
    talk "${HD_PORT[d]}" later.out later.in -s 127.0.0.1
    must_log d ' access peer=\[2001:db8::7\]:51228 via=' 'a session after the bad headers'
    local warnings
    warnings=$(grep -c 'bad PROXY header' d.log)
    ((warnings == 1)) || fail "$warnings warnings for 3 bad headers within a minute: $(grep 'bad PROXY' d.log | tr '\n' '|')"
}

t_proxy_protocol_settings() {
    run_bin all --proxy-protocol-from all
    expect_fatal all 64 "--proxy-protocol-from: 'all' is not an address: trusting every address would let any client claim any address; list the balancers' addresses"
    run_bin zero --proxy-header-timeout 0
    expect_fatal zero 64 "--proxy-header-timeout: '0' would let a balancer that sends no header hold a worker forever; use a number of seconds from 0.001 to"
    HELLOD_PROXY_PROTOCOL_FROM='10.0.0.0/33' run_bin env
    expect_fatal env 78 "HELLOD_PROXY_PROTOCOL_FROM: '10.0.0.0/33' has a prefix length"
    run_bin p --proxy-protocol-from '10.0.0.0/24, fd00::1' --proxy-header-timeout 2.5 --print-config
    ((RC == 0)) || fail "--print-config: exit $RC: $(head -c 300 p.err)"
    local expected=$'proxy-protocol-from = 10.0.0.0/24\nproxy-protocol-from = fd00::1/128\nproxy-header-timeout = 2.5'
    [[ $(grep -E '^proxy-' p.out) == "$expected" ]] || fail "printed as $(grep -E 'proxy-' p.out | tr '\n' '|')"
    start_hellod d --proxy-protocol-from 127.0.0.1,::1
    [[ $LOG_LINE == *', proxy-protocol-from 127.0.0.1/32 ::1/128, proxy-header-timeout 5 s, '* ]] ||
        fail "the start-up line does not name the balancers: $LOG_LINE"
    run_bin h --help
    grep -qE -- '--proxy-protocol-from CIDR .*load balancers in these networks' h.out ||
        fail "--help does not describe --proxy-protocol-from: $(grep -A1 -- --proxy-protocol h.out)"
}

CASES+=(access_deny access_allow_list access_reload access_errors access_print_config access_help
    proxy_protocol_v1 proxy_protocol_v2_and_bad_headers proxy_protocol_settings)
