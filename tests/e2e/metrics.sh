# shellcheck shell=bash
# Cases for the Prometheus endpoint (metrics-listen), sourced by run.sh: what a scrape shows
# after a known workload, promtool's verdict on it, the option's errors, reload, and scrapers that
# misbehave. A real Prometheus server scraping hellod is tests/deploy/prometheus.sh.

# metrics_port NAME: after start_hellod, the metrics port from its start-up line.
metrics_port() {
    [[ $LOG_LINE =~ metrics\ on\ 127\.0\.0\.1:([0-9]+) ]] ||
        fail "the start-up line names no metrics address: $LOG_LINE"
    HD_METRICS[$1]=${BASH_REMATCH[1]}
}
declare -A HD_METRICS

# scrape PORT FILE: GET /metrics into FILE, bounded; fails the case on an HTTP error.
scrape() {
    curl -sS --fail --max-time "$WAIT" -o "$2" -D "$2.headers" "http://127.0.0.1:$1/metrics" 2>"$2.err" ||
        fail "GET /metrics on port $1 failed: $(head -c 300 "$2.err")"
}

# expect_metric FILE SAMPLE VALUE: the sample (name and labels, as written) has exactly VALUE.
expect_metric() {
    local got
    got=$(awk -v m="$2" '$1 == m { print $2 }' "$1")
    [[ $got == "$3" ]] || fail "$2 is $(q "$got"), wanted $3"
}

# A known workload, then one scrape: every counter agrees with it exactly, and the page is one
# promtool accepts.
t_metrics_counts_the_workload() {
    start_hellod d --metrics-listen 127.0.0.1:0 --deny 127.0.0.3 --max-connections-per-ip 2 \
        --max-line-bytes 8
    metrics_port d
    input in 'Ann\nBob\nexit\n'
    local i
    for i in 1 2 3; do
        talk "${HD_PORT[d]}" out in
        expect_file out 'Welcome!\r\nHello, Ann!\r\nHello, Bob!\r\nBye!\r\n'
    done
    input long 'far too long a line\nexit\n'
    talk "${HD_PORT[d]}" out long
    for i in 1 2; do
        timeout "$WAIT" nc -s 127.0.0.3 127.0.0.1 "${HD_PORT[d]}" </dev/null >denied.out 2>&1
        [[ -s denied.out ]] && grep -q Welcome denied.out && fail "a denied client was welcomed"
    done
    client_open a "${HD_PORT[d]}"
    client_expect a 'Welcome!'
    client_open b "${HD_PORT[d]}"
    client_expect b 'Welcome!'
    input none ''
    talk "${HD_PORT[d]}" busy none
    expect_file busy 'Error: server busy, try again later\r\n'
    client_send a 'exit\n'
    client_expect a 'Bye!'
    client_send b 'exit\n'
    client_expect b 'Bye!'
    # The access line is written after the counts: once the last one is there, all are counted.
    local ended=0
    while ((ended < 7)); do
        must_log d ' access peer=127\.0\.0\.1:[0-9]+ .* end=(exit|busy)' "access line $((ended + 1)) of 7"
        ended=$((ended + 1))
    done
    scrape "${HD_METRICS[d]}" page
    grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' page.headers ||
        fail "content type: $(head -c 400 page.headers)"
    expect_metric page 'hellod_connections_accepted_total' 9
    expect_metric page 'hellod_connections_refused_total{reason="denied"}' 2
    expect_metric page 'hellod_connections_refused_total{reason="per_address"}' 1
    expect_metric page 'hellod_connections_refused_total{reason="busy"}' 0
    expect_metric page 'hellod_sessions_ended_total{end="exit"}' 6
    expect_metric page 'hellod_sessions_ended_total{end="busy"}' 1
    expect_metric page 'hellod_session_duration_seconds_count' 7
    # 3 x 3 lines, 2 (the long one counts), 1 each for a and b.
    expect_metric page 'hellod_session_lines_total' 13
    expect_metric page 'hellod_session_lines_too_long_total' 1
    expect_metric page 'hellod_session_received_bytes_total' $((3 * 13 + 25 + 2 * 5))
    expect_metric page 'hellod_connections_open' 0
    expect_metric page 'hellod_connections_max' 10000
    expect_metric page 'hellod_settings_generation' 1
    grep -qE '^hellod_build_info\{version="[0-9]+\.[0-9]+\.[0-9]+"\} 1$' page ||
        fail "no build_info: $(grep build_info page)"
    grep -qE '^process_resident_memory_bytes [1-9][0-9]*$' page || fail "no resident memory"
    if command -v promtool >/dev/null; then
        promtool check metrics <page >promtool.out 2>&1 ||
            fail "promtool check metrics: $(head -c 600 promtool.out)"
    fi
}

# hellod --probe's sessions are counted as probe sessions and in nothing that counts the traffic;
# a person's "probe" line is traffic. Every access line (the probes' at debug) comes after its
# counts, so once all three are logged the page holds them.
t_metrics_probe_sessions_apart() {
    start_hellod d --metrics-listen 127.0.0.1:0 --log-level debug
    metrics_port d
    local i
    for i in 1 2; do
        run_bin "p$i" --probe "127.0.0.1:${HD_PORT[d]}"
        ((RC == 0)) || fail "probe $i exited $RC: $(cat "p$i.err")"
    done
    input in 'probe\nexit\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Welcome!\r\nHello, probe!\r\nBye!\r\n'
    for i in 1 2 3; do
        must_log d ' access peer=127\.0\.0\.1:[0-9]+ .* end=exit' "access line $i of 3"
    done
    scrape "${HD_METRICS[d]}" page
    expect_metric page 'hellod_probe_sessions_total' 2
    expect_metric page 'hellod_connections_accepted_total' 3
    expect_metric page 'hellod_sessions_ended_total{end="exit"}' 1
    expect_metric page 'hellod_session_duration_seconds_count' 1
    expect_metric page 'hellod_session_lines_total' 2
    expect_metric page 'hellod_session_received_bytes_total' 11
    expect_metric page 'hellod_session_sent_bytes_total' 31
    grep -q '^# TYPE hellod_probe_sessions_total counter$' page || fail "no TYPE line for the probes"
    if command -v promtool >/dev/null; then
        promtool check metrics <page >promtool.out 2>&1 ||
            fail "promtool check metrics: $(head -c 600 promtool.out)"
    fi
}

# Anything but GET or HEAD /metrics gets a proper HTTP answer, and the endpoint goes on.
t_metrics_http_errors() {
    start_hellod d --metrics-listen 127.0.0.1:0
    metrics_port d
    local base="http://127.0.0.1:${HD_METRICS[d]}" code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time "$WAIT" "$base/nope")
    [[ $code == 404 ]] || fail "GET /nope: $code, wanted 404"
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time "$WAIT" -X POST "$base/metrics")
    [[ $code == 405 ]] || fail "POST /metrics: $code, wanted 405"
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time "$WAIT" -I "$base/metrics")
    [[ $code == 200 ]] || fail "HEAD /metrics: $code, wanted 200"
    scrape "${HD_METRICS[d]}" page
    expect_metric page 'hellod_sessions_ended_total{end="exit"}' 0
}

# Scrapers that misbehave (a slowloris, a flood of idle connections, a huge request) neither
# delay a greeting session nor keep the endpoint from answering a real scraper soon after.
t_metrics_hostile_scrapers() {
    start_hellod d --metrics-listen 127.0.0.1:0
    metrics_port d
    local i
    for i in $(seq 1 20); do
        client_open "idle$i" "${HD_METRICS[d]}"
    done
    client_send idle1 'GET /metr'  # and never the rest
    head -c 100000 /dev/zero | tr '\0' 'a' >huge
    { printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: '; cat huge; printf '\r\n\r\n'; } >huge.req
    timeout "$WAIT" socat -t 2 - "TCP:127.0.0.1:${HD_METRICS[d]}" <huge.req >huge.out 2>/dev/null
    head -n 1 huge.out | grep -q $'^HTTP/1\.1 431 Request Header Fields Too Large\r$' ||
        fail "a 100 KB header was answered $(q "$(head -c 60 huge.out)")"
    input in 'Ann\nexit\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Welcome!\r\nHello, Ann!\r\nBye!\r\n'
    scrape "${HD_METRICS[d]}" page
    expect_metric page 'hellod_sessions_ended_total{end="exit"}' 1
    kill -0 "${HD_PID[d]}" 2>/dev/null || fail "hellod died"
}

# The option's errors name it; a taken port is EX_UNAVAILABLE, like listen's.
t_metrics_errors() {
    run_bin cli "${SERVE_AS[@]}" --metrics-listen 127.0.0.1
    expect_fatal cli nonzero "metrics-listen" "127.0.0.1"
    start_hellod d --metrics-listen 127.0.0.1:0
    metrics_port d
    run_bin taken "${SERVE_AS[@]}" --listen 127.0.0.1:0 --metrics-listen "127.0.0.1:${HD_METRICS[d]}"
    expect_fatal taken 69 "metrics-listen: " "127.0.0.1:${HD_METRICS[d]}"
    run_bin t --metrics-listen 'nonexistent.invalid:9100' -t
    expect_fatal t nonzero "metrics-listen: "
    run_bin p --metrics-listen 127.0.0.1:9100 --metrics-listen '[::1]:9100' --print-config
    ((RC == 0)) || fail "--print-config: exit $RC"
    grep -qxF 'metrics-listen = 127.0.0.1:9100' p.out && grep -qxF 'metrics-listen = [::1]:9100' p.out ||
        fail "--print-config: $(grep metrics p.out)"
    run_bin h --help
    grep -q -- '--metrics-listen HOST:PORT' h.out || fail "--help does not show --metrics-listen"
}

# A reload keeps the endpoint (and says that a changed metrics-listen waits for a restart); the
# page shows the reload and the new generation.
t_metrics_across_reload() {
    printf 'listen = 127.0.0.1:0\nmetrics-listen = 127.0.0.1:0\nwelcome = Hi!\n' >hellod.conf
    start_hellod_unwaited d --config hellod.conf
    must_log d 'listening on 127\.0\.0\.1:([0-9]+) ' 'the start-up line'
    HD_PORT[d]=${BASH_REMATCH[1]}
    metrics_port d
    printf 'listen = 127.0.0.1:0\nmetrics-listen = 127.0.0.1:1\nwelcome = Hey!\n' >hellod.conf
    kill -HUP "${HD_PID[d]}"
    must_log d 'warning metrics-listen changed to 127\.0\.0\.1:1; restart hellod to apply it \(metrics still on 127\.0\.0\.1:0\)' 'the restart warning'
    must_log d 'info  reloaded hellod\.conf: changed welcome;' 'the reload'
    printf 'max-connections = lots\n' >hellod.conf
    kill -HUP "${HD_PID[d]}"
    must_log d 'error reload failed' 'the failed reload'
    scrape "${HD_METRICS[d]}" page
    expect_metric page 'hellod_reloads_total{result="applied"}' 1
    expect_metric page 'hellod_reloads_total{result="failed"}' 1
    expect_metric page 'hellod_settings_generation' 2
}

# With --inetd each session is a process of its own: no endpoint, and a warning that says so.
t_metrics_inetd_warns() {
    start_activated d --accept --inetd -- --inetd --metrics-listen 127.0.0.1:0
    input in 'Ann\nexit\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Welcome!\r\nHello, Ann!\r\nBye!\r\n'
    must_log d 'warning metrics-listen does nothing with --inetd' 'the warning'
}

# Under socket activation systemd passes the greeting sockets; hellod binds the endpoint itself.
t_metrics_with_socket_activation() {
    start_activated d -- --metrics-listen 127.0.0.1:0
    input in 'Ann\nexit\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Welcome!\r\nHello, Ann!\r\nBye!\r\n'
    must_log d 'sockets inherited from systemd \(protocol greeting, metrics on 127\.0\.0\.1:[0-9]+, ' 'the start-up line'
    metrics_port d
    must_log d 'access peer=127\.0\.0\.1:[0-9]+ .* end=exit' 'the access line'
    scrape "${HD_METRICS[d]}" page
    expect_metric page 'hellod_sessions_ended_total{end="exit"}' 1
}

CASES+=(metrics_with_socket_activation metrics_inetd_warns metrics_counts_the_workload metrics_http_errors metrics_hostile_scrapers metrics_errors
    metrics_across_reload metrics_probe_sessions_apart)
