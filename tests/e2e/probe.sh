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
    must_log d " access peer=127.0.0.1:[0-9]+ duration=[0-9.]+s lines=2 in=13 out=31 end=exit$" \
        'the probe session'
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

CASES+=(probe_healthy probe_unhealthy probe_timeout probe_usage)
