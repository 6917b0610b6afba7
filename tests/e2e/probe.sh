# shellcheck shell=bash
# Cases for hellod --probe, the health check (the image's HEALTHCHECK), through the built
# binary: exit status, which stream the one sentence goes to, and that it reads the settings
# the server reads. Sourced by run.sh.

# A running server is healthy, whether named or found through the listen setting; the sentence
# goes to stdout.
t_probe_healthy() {
    start_hellod d --welcome 'Hi probe'
    run_bin named --probe "127.0.0.1:${HD_PORT[d]}" --welcome 'Hi probe'
    ((RC == 0)) || fail "probe exited $RC: $(cat named.err)"
    [[ -s named.err ]] && fail "stderr not empty: $(cat named.err)"
    grep -qx "hellod at 127.0.0.1:${HD_PORT[d]} is healthy: it answered as the greeting protocol should in [0-9.]* ms" named.out ||
        fail "stdout: $(cat named.out)"
    # No address: the listen setting, from the environment like the server's own settings.
    HELLOD_LISTEN="*:${HD_PORT[d]}" HELLOD_WELCOME='Hi probe' run_bin listen --probe
    ((RC == 0)) || fail "probe of the listen address exited $RC: $(cat listen.err)"
    grep -q "^hellod at 127.0.0.1:${HD_PORT[d]} is healthy" listen.out || fail "stdout: $(cat listen.out)"
}

# The probe marks its session (its line is SOH hellod-probe SOH): at the default log level the
# health checks write no access line, while a person who types "probe" gets one as ever. Read
# after the stop, when every access line has been written.
t_probe_no_access_line_at_info() {
    start_hellod d
    run_bin p --probe "127.0.0.1:${HD_PORT[d]}"
    ((RC == 0)) || fail "probe exited $RC: $(cat p.err)"
    input in 'probe\nexit\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Welcome!\r\nHello, probe!\r\nBye!\r\n'
    stop_hellod d TERM 10
    if [[ $(grep -c ' access ' d.log) != 1 ]] ||
        ! grep -qE ' info  access peer=127\.0\.0\.1:[0-9]+ duration=[0-9.]+s lines=2 in=11 out=31 end=exit$' d.log; then
        fail "wanted the typed session's access line alone, got: $(grep ' access ' d.log)"
    fi
}

# At debug the probe's access line is there, marked probe=1, under each protocol and framing;
# its bytes are the marker's (in= and out=).
t_probe_access_line_at_debug() {
    local -a settings=('' '--framing raw' '--protocol timestamp' '--protocol echo')
    local -a wanted=(
        'lines=2 in=22 out=40 end=exit probe=1'
        'lines=2 in=22 out=40 end=exit probe=1'
        'lines=2 in=22 out=[0-9]+ end=exit probe=1'
        'lines=0 in=61 out=61 end=eof probe=1'
    )
    local i
    for i in "${!settings[@]}"; do
        # shellcheck disable=SC2086  # the settings are words
        start_hellod "d$i" --log-level debug ${settings[i]}
        # shellcheck disable=SC2086
        run_bin "p$i" --probe "127.0.0.1:${HD_PORT[d$i]}" ${settings[i]}
        ((RC == 0)) || fail "probe with ${settings[i]:-the defaults} exited $RC: $(cat "p$i.err")"
        must_log "d$i" "debug access peer=127\.0\.0\.1:[0-9]+ duration=[0-9.]+s ${wanted[i]}$" \
            "the probe's access line with ${settings[i]:-the defaults}"
    done
}

# A server that answers otherwise than the settings say is unhealthy: exit 1, one sentence on
# stderr naming what differed.
t_probe_unhealthy() {
    start_hellod d --welcome 'Hi probe'
    run_bin wrong --probe "127.0.0.1:${HD_PORT[d]}"
    expect_fatal wrong 1 "hellod at 127.0.0.1:${HD_PORT[d]} is not healthy: it sent 'Hi probe' where the welcome 'Welcome!' was expected"
    stop_hellod d TERM 10
    run_bin down --probe "127.0.0.1:${HD_PORT[d]}"
    expect_fatal down 1 "is not healthy: cannot connect: Connection refused"
}

# A server that accepts and never answers: the probe gives up after --probe-timeout.
t_probe_timeout() {
    local port t0
    # -u: from the network to stdout only, so socat never sends a byte; -T 10 bounds it.
    socat -u -T 10 TCP-LISTEN:0,bind=127.0.0.1 STDOUT >/dev/null 2>&1 &
    KILL_PIDS+=("$!")
    port=$(proc_listen_port "$!") || fail "socat did not listen"
    t0=$(now_ms)
    run_bin silent --probe "127.0.0.1:$port" --probe-timeout 0.5
    expect_fatal silent 1 "is not healthy: no welcome within 0.5 s"
    (($(now_ms) - t0 < 3000)) || fail "the probe took $(($(now_ms) - t0)) ms with a 0.5 s timeout"
}

# Mistakes in how it is called are usage errors, not health verdicts.
t_probe_usage() {
    run_bin zero --probe '*:0'
    expect_fatal zero 64 "--probe *:0: port 0 is whatever port the kernel picked"
    run_bin both --probe --print-config
    expect_fatal both 64 "--print-config and --probe cannot be combined"
}

CASES+=(probe_healthy probe_no_access_line_at_info probe_access_line_at_debug probe_unhealthy
    probe_timeout probe_usage)
