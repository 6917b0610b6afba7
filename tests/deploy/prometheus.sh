#!/usr/bin/env bash
# Deployment test: a real Prometheus server scrapes hellod's metrics endpoint (--metrics-listen).
# Usage: prometheus.sh HELLOD_BINARY
#
# Two hellods on loopback, each with its metrics on a port of its own: "busy" for case a, and
# "target", the one Prometheus scrapes (job "hellod", scrape_interval and scrape_timeout 1s),
# which serves only the known workload of case b (and one session in d), so that every count
# can be checked exactly. Both deny 127.0.0.3 and allow 2 sessions per client address; clients
# bind to other loopback addresses to be denied (.3), turned away (.4) or served. The cases, in
# order (later ones use the state earlier ones leave):
#
#   a. promtool: scrapes of "busy" taken while sessions are open, lines flow and clients are
#      refused each pass `promtool check metrics` with no complaint at all (format or lint);
#      no series is on a page twice (promtool lets that through); counters never go down from
#      one scrape to the next; histogram buckets are cumulative, +Inf equal to _count
#   b. Prometheus scrapes "target" while a known workload runs (it sees the held sessions open),
#      then, from its first scrape begun after the workload ended, holds exactly the workload:
#      sessions by end, lines (also the access log's sum of lines=), bytes, refusals by reason,
#      accepted connections, up == 1; every hellod_ series equal to a scrape of our own; as many
#      samples as the page has; no counter reset
#   c. Prometheus' target is up with no lastError; no sample refused as duplicate, out of order
#      or out of bounds; no warning or error in Prometheus' log
#   d. SIGHUP: hellod logs the reload; Prometheus' next scrape has settings generation 2 and
#      reloads_total{result="applied"} 1, the target stays up, counters carry on
#
# Prints one line per case ("ok   name" or "FAIL name: why") and ends with "N passed, N failed";
# exits 1 if any case failed (log tails printed), 77 without prometheus or promtool (ctest's
# skip), 2 on a bad invocation. Every wait is bounded: timeout(1), curl --max-time, or a poll
# (of a log file every 50 ms, of Prometheus' HTTP API every 100 ms: neither has an event to
# wait for) with a deadline. No fixed ports: the hellods listen on port 0 and log theirs;
# Prometheus' is a free one picked below the ephemeral range, tried again on a bind failure.
# DEPLOY_KEEP=1 keeps the scratch directory (configuration, logs, scrapes, TSDB).
set -u

if (($# != 1)); then
    echo "usage: $0 HELLOD_BINARY" >&2
    exit 2
fi
HELLOD=$(realpath -- "$1" 2>/dev/null) || HELLOD=$1
if [[ ! -x $HELLOD || -d $HELLOD ]]; then
    echo "prometheus.sh: $1 is not an executable file" >&2
    exit 2
fi
for tool in prometheus promtool; do
    if ! command -v "$tool" >/dev/null; then
        echo "skipped: $tool is not installed (apt-get install prometheus)"
        exit 77
    fi
done
for tool in curl jq nc socat timeout tail mkfifo cmp od awk grep realpath; do
    command -v "$tool" >/dev/null || {
        echo "prometheus.sh: $tool is missing (make deps installs it)" >&2
        exit 2
    }
done

# A known environment: bytes, not characters; no settings or journal from the caller.
export LC_ALL=C
unset JOURNAL_STREAM
while IFS= read -r variable; do unset "$variable"; done < <(compgen -e | grep '^HELLOD_')
# curl must reach loopback directly, whatever proxy the caller uses.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*'

# Outcome, clients held open, and byte checks: tests/e2e/lib.sh's (fail, q, now_ms, show_bytes,
# client_open/send/expect/expect_eof). Each case runs in a subshell with CASE_DIR as scratch.
# end_process and case_cleanup, defined below, are this script's own.
# shellcheck source=SCRIPTDIR/../e2e/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../e2e/lib.sh"
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

WAIT=5  # default bound for one wait, in seconds
# The known workload of case b.
N_SESSIONS=7   # sessions that send K_LINES lines and then exit: 2 held, 5 through nc at once
K_LINES=4
M_DENIED=3     # connections from 127.0.0.3, refused by --deny
B_BUSY=2       # connections from 127.0.0.4 beyond --max-connections-per-ip 2, turned away
HELLOD_OPTS=(--deny 127.0.0.3 --max-connections-per-ip 2 --log-level info)
BUSY_LINE=$'Error: server busy, try again later\r\n'

deploy_setup prometheus
PROM_PORT=''
PROM_PID=''

# ---------------------------------------------------------------------------------------------
# The hellods

# start_hellod_as NAME ARGS...: hellod --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 ARGS
# with stderr to $TMP/NAME.log, through a small wrapper that writes its exit status to
# $TMP/NAME.rc. Waits (bounded) for the start-up line; sets PORT and METRICS_PORT from it and
# writes hellod's pid to $TMP/NAME.pid. Returns 1 (STARTUP_ERROR says why) if it did not start.
STARTUP_ERROR=''
PORT=''
METRICS_PORT=''
start_hellod_as() {
    local name=$1 log=$TMP/$1.log pid line
    shift
    : >"$log"
    (
        "$HELLOD" "${SERVE_AS[@]}" --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 "$@" \
            2>"$log" >/dev/null </dev/null &
        echo "$!" >"$TMP/$name.pid.tmp" && mv "$TMP/$name.pid.tmp" "$TMP/$name.pid"
        wait "$!"
        echo "$?" >"$TMP/$name.rc.tmp" && mv "$TMP/$name.rc.tmp" "$TMP/$name.rc"
    ) &
    echo "$!" >>"$PIDS"
    if ! poll "$WAIT" test -s "$TMP/$name.pid"; then
        STARTUP_ERROR="$name: no pid from its wrapper within ${WAIT}s"
        return 1
    fi
    pid=$(<"$TMP/$name.pid")
    echo "$pid" >>"$PIDS"
    if ! poll "$WAIT" startup_logged "$name"; then
        if [[ -e $TMP/$name.rc ]]; then
            STARTUP_ERROR="$name exited $(<"$TMP/$name.rc") before its start-up line; log: $(head -c 600 "$log")"
        else
            STARTUP_ERROR="$name did not log its start-up line within ${WAIT}s; log: $(head -c 600 "$log")"
        fi
        return 1
    fi
    line=$(grep -m1 -E 'listening on 127\.0\.0\.1:[0-9]+ ' "$log")
    [[ $line =~ listening\ on\ 127\.0\.0\.1:([0-9]+)\  ]]
    PORT=${BASH_REMATCH[1]}
    if ! [[ $line =~ metrics\ on\ 127\.0\.0\.1:([0-9]+) ]]; then
        STARTUP_ERROR="$name's start-up line names no metrics address (metrics on 127.0.0.1:PORT): $line"
        return 1
    fi
    METRICS_PORT=${BASH_REMATCH[1]}
    return 0
}

# startup_logged NAME: the start-up line is there, or hellod has exited (then polling stops).
startup_logged() {
    grep -qE 'listening on 127\.0\.0\.1:[0-9]+ ' "$TMP/$1.log" && return 0
    [[ -e $TMP/$1.rc ]] && return 2
    return 1
}

# A session's access line (info): its lines=, in=, out= and end= are read from it.
ACCESS_RE='access peer=127\.0\.0\.[0-9]+:[0-9]+ duration=[0-9.]+s lines=[0-9]+ in=[0-9]+ out=[0-9]+ end=[a-z]+'

# access_lines_at_least NAME N: NAME's log has at least N access lines.
access_lines_at_least() { (($(grep -cE -- "$ACCESS_RE" "$TMP/$1.log") >= $2)); }

# access_sum NAME FIELD: the sum of FIELD= (lines, in, out) over NAME's access lines.
access_sum() {
    grep -oE -- "$ACCESS_RE" "$TMP/$1.log" |
        awk -v f="$2=" '{ for (i = 1; i <= NF; i++) if (index($i, f) == 1) s += substr($i, length(f) + 1) } END { print s + 0 }'
}

# scrape PORT FILE: GET /metrics into FILE, bounded; fails the case on an HTTP error.
scrape() {
    curl -sS --fail --max-time "$WAIT" -o "$2" -D "$2.headers" "http://127.0.0.1:$1/metrics" 2>"$2.err" ||
        fail "GET /metrics on port $1 failed: $(head -c 300 "$2.err")"
}

# page_value FILE SAMPLE: the value of SAMPLE (name and labels, as written) in a scrape.
page_value() { awk -v m="$2" '$1 == m { print $2 }' "$1"; }

# page_samples FILE: the page's samples, "name{labels} value" with the labels sorted by name (as
# Prometheus' API gives them), so that the two can be compared line by line.
page_samples() {
    awk '
        function sorted(s,   n, a, i, j, t, out) {
            n = split(s, a, /",/)
            for (i = 1; i < n; i++) a[i] = a[i] "\""
            for (i = 2; i <= n; i++) {
                t = a[i]
                for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
                a[j + 1] = t
            }
            out = a[1]
            for (i = 2; i <= n; i++) out = out "," a[i]
            return out
        }
        /^#/ || NF < 2 { next }
        {
            name = $1
            if ((open = index(name, "{")) > 0)
                name = substr(name, 1, open) sorted(substr(name, open + 1, length(name) - open - 1)) "}"
            print name, $2
        }' "$1"
}

# ---------------------------------------------------------------------------------------------
# Prometheus

write_prometheus_yml() {
    cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: hellod
    metrics_path: /metrics
    static_configs:
      - targets: ['127.0.0.1:$TARGET_METRICS']
EOF
}

# prom_get PATH [CURL_ARGS...]: a GET on Prometheus' HTTP API, bounded; the body on stdout.
prom_get() {
    local path=$1
    shift
    curl -sS --fail --max-time 3 -G "http://127.0.0.1:$PROM_PORT$path" "$@" 2>>"$TMP/curl-prometheus.err"
}

prom_ready() {
    curl -sf --max-time 1 -o /dev/null "http://127.0.0.1:$PROM_PORT/-/ready" && return 0
    alive "$PROM_PID" || return 2
    return 1
}

# start_prometheus: on a free port (another one if the bind fails: a parallel run took it),
# until /-/ready answers. Returns 1 (STARTUP_ERROR) on failure.
start_prometheus() {
    local try
    write_prometheus_yml
    if ! promtool check config "$TMP/prometheus.yml" >"$TMP/promtool-config.out" 2>&1; then
        STARTUP_ERROR="promtool check config: $(tail -c 400 "$TMP/promtool-config.out")"
        return 1
    fi
    for ((try = 1; try <= 5; try++)); do
        PROM_PORT=$(free_port) || {
            STARTUP_ERROR='no free port for prometheus'
            return 1
        }
        rm -rf -- "$TMP/tsdb"
        prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
            --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=info \
            </dev/null >"$TMP/prometheus.log" 2>&1 &
        PROM_PID=$!
        echo "$PROM_PID" >>"$PIDS"
        poll 10 prom_ready && return 0
        end_process "$PROM_PID"
        if ! grep -qiE 'address already in use' "$TMP/prometheus.log"; then
            STARTUP_ERROR="prometheus was not ready within 10s; log: $(tail -c 800 "$TMP/prometheus.log")"
            return 1
        fi
        cp "$TMP/prometheus.log" "$TMP/prometheus.bind-failure-$try.log"
    done
    STARTUP_ERROR='prometheus could not bind a free port in 5 tries'
    return 1
}

# prom_value EXPR: the value of EXPR, an instant vector of exactly one series, evaluated now;
# "none" when it has no series, "N series" when more than one. Returns 1 if the query failed.
prom_value() {
    local json
    json=$(prom_get /api/v1/query --data-urlencode "query=$1") || return 1
    jq -r 'if .status != "success" then error("status \(.status)")
           elif (.data.result | length) == 0 then "none"
           elif (.data.result | length) > 1 then "\(.data.result | length) series"
           else .data.result[0].value[1] end' <<<"$json" 2>/dev/null
}

# scraped_after MS: Prometheus holds a scrape of the target begun after MS (epoch milliseconds).
# A scrape's samples (up among them) are committed together, stamped with the scrape's start,
# which Prometheus may move by up to 2 ms to keep to the interval
# (--scrape.adjust-timestamps): hence the margin.
scraped_after() {
    local ts
    ts=$(prom_value 'timestamp(up{job="hellod"})') || return 1
    [[ $ts =~ ^[0-9]+(\.[0-9]+)?$ ]] || return 1
    awk -v ts="$ts" -v t="$1" 'BEGIN { exit !(ts * 1000 > t + 5) }'
}

# wait_scrape_after MS WHAT: fails the case unless Prometheus holds a scrape begun after MS
# within 5 s (with scrape_interval 1s, two intervals and change).
wait_scrape_after() {
    poll_every 0.1 "$WAIT" scraped_after "$1" ||
        fail "Prometheus holds no scrape begun after $2 within ${WAIT}s (timestamp(up): $(prom_value 'timestamp(up{job="hellod"})'), wanted > $(($1 / 1000)).$(printf '%03d' $(($1 % 1000))))"
}

# prom_at_least EXPR MIN: EXPR's value now is a number >= MIN.
prom_at_least() {
    local v
    v=$(prom_value "$1") || return 1
    [[ $v =~ ^[0-9.e+-]+$ ]] && awk -v v="$v" -v m="$2" 'BEGIN { exit !(v + 0 >= m) }'
}

# expect_prom EXPR WANT [PAGE SAMPLE]: Prometheus' value of EXPR now is exactly WANT; PAGE and
# SAMPLE name our own scrape's value, for the message.
expect_prom() {
    local got own=''
    got=$(prom_value "$1") || fail "the query $1 failed: $(tail -c 300 "$TMP/curl-prometheus.err")"
    if [[ $got != "$2" ]]; then
        [[ $# -ge 4 ]] && own="; our own scrape of its /metrics has $(q "$(page_value "$3" "$4")")"
        fail "Prometheus has $1 = $(q "$got"), wanted $2$own"
    fi
}

# expect_monotonic MIN: every hellod_ counter Prometheus holds has at least MIN samples, and
# never went down from one scrape to the next. (Asked as a range vector: resets() cannot do them
# all in one query, since it drops the metric name and their label sets then collide.)
expect_monotonic() {
    local json bad
    json=$(prom_get /api/v1/query --data-urlencode 'query={job="hellod",__name__=~"hellod_.+_total"}[5m]') ||
        fail "the range query for the counters failed: $(tail -c 300 "$TMP/curl-prometheus.err")"
    bad=$(jq -r --argjson min "$1" '
        if (.data.result | length) == 0 then "no hellod_ counter at all" else
        .data.result[] | [.values[][1] | tonumber] as $v
        | .metric.__name__ + (.metric | del(.__name__, .job, .instance) | tostring)
          + if ($v | length) < $min then " has \($v | length) samples, wanted at least \($min)"
            elif any(range(1; $v | length); $v[.] < $v[. - 1]) then " went down: \($v)"
            else empty end
        end' <<<"$json" | head -n 3 | tr '\n' ';')
    [[ -z $bad ]] || fail "$bad"
}

# prom_samples SELECTOR: the series SELECTOR selects now, as page_samples prints them (job and
# instance left out).
prom_samples() {
    prom_get /api/v1/query --data-urlencode "query=$1" |
        jq -r '.data.result[] |
            (.metric | del(.__name__, .job, .instance) | to_entries | sort_by(.key)
                | map("\(.key)=\"\(.value)\"") | join(",")) as $labels
            | "\(.metric.__name__)\(if $labels == "" then "" else "{\($labels)}" end) \(.value[1])"'
}

# ---------------------------------------------------------------------------------------------
# Clients

# nc_session NAME SOURCE PORT: one nc session from SOURCE to 127.0.0.1:PORT sending
# $CASE_DIR/NAME.in, half-closing at its end (-N) and reading until the server closes; bounded.
# Its status goes to NAME.rc (it may run in the background, where fail cannot end the case).
nc_session() {
    local name=$1 src=$2 port=$3
    timeout "$WAIT" nc -N -s "$src" 127.0.0.1 "$port" \
        <"$CASE_DIR/$name.in" >"$CASE_DIR/$name.out" 2>"$CASE_DIR/$name.err"
    echo "$?" >"$CASE_DIR/$name.rc"
}

# expect_out NAME: NAME.out holds exactly NAME.expected.
expect_out() {
    local f=$CASE_DIR/$1
    cmp -s -- "$f.expected" "$f.out" ||
        fail "$1: bytes differ: wanted [$(show_bytes "$f.expected")] got [$(show_bytes "$f.out")] (nc status $(cat "$f.rc" 2>/dev/null): $(head -c 200 "$f.err" 2>/dev/null))"
}

# conversation NAME TAG LINES: writes NAME.in (LINES lines "TAG-lJ", then exit) and
# NAME.expected (the welcome, the replies, the farewell).
conversation() {
    local name=$1 tag=$2 lines=$3 j
    : >"$CASE_DIR/$name.in"
    printf 'Welcome!\r\n' >"$CASE_DIR/$name.expected"
    for ((j = 1; j <= lines; j++)); do
        printf '%s-l%d\n' "$tag" "$j" >>"$CASE_DIR/$name.in"
        printf 'Hello, %s-l%d!\r\n' "$tag" "$j" >>"$CASE_DIR/$name.expected"
    done
    printf 'exit\n' >>"$CASE_DIR/$name.in"
    printf 'Bye!\r\n' >>"$CASE_DIR/$name.expected"
}

# denied_client NAME PORT: a client from 127.0.0.3 must get no byte (hellod resets it).
denied_client() {
    : >"$CASE_DIR/$1.in"
    nc_session "$1" 127.0.0.3 "$2"
    [[ $(<"$CASE_DIR/$1.rc") == 124 ]] && fail "$1 (denied): nc did not end within ${WAIT}s"
    [[ -s $CASE_DIR/$1.out ]] && fail "$1 (denied) got bytes: [$(show_bytes "$CASE_DIR/$1.out")]"
    return 0
}

# busy_client NAME PORT: a client from 127.0.0.4, with two sessions from there open, gets only
# the busy line.
busy_client() {
    : >"$CASE_DIR/$1.in"
    printf '%s' "$BUSY_LINE" >"$CASE_DIR/$1.expected"
    nc_session "$1" 127.0.0.4 "$2"
    expect_out "$1"
}

# ---------------------------------------------------------------------------------------------
# Cases

# a. Scrapes of "busy" under load, each checked by promtool.
busy_loop() {
    # One loop of short sessions from SOURCE until the stop file appears (at most 300).
    local src=$1 tag=$2 i=0
    while [[ ! -e $CASE_DIR/stop ]] && ((i < 300)); do
        printf '%s-%d\nsecond line\n%s\nexit\n' "$tag" "$i" "$LONG" >"$CASE_DIR/loop-$tag.in"
        timeout "$WAIT" nc -N -s "$src" 127.0.0.1 "$BUSY_PORT" \
            <"$CASE_DIR/loop-$tag.in" >/dev/null 2>&1
        timeout "$WAIT" nc -N -s 127.0.0.3 127.0.0.1 "$BUSY_PORT" </dev/null >/dev/null 2>&1
        timeout "$WAIT" nc -N -s 127.0.0.4 127.0.0.1 "$BUSY_PORT" </dev/null >/dev/null 2>&1
        i=$((i + 1))
    done
}

t_a_promtool() {
    local i name prev='' rc v pid
    LONG=$(printf '%0200d' 0)  # over the busy hellod's max-line-bytes 64
    # Sessions held open: two from 127.0.0.4 (its limit), one mid-line, one from 127.0.0.6.
    client_open h1 "$BUSY_PORT" 127.0.0.4
    client_expect h1 'Welcome!'
    client_open h2 "$BUSY_PORT" 127.0.0.4
    client_expect h2 'Welcome!'
    client_open h3 "$BUSY_PORT" 127.0.0.6
    client_expect h3 'Welcome!'
    client_send h2 'a partial line'
    local -a loops=()
    busy_loop 127.0.0.2 two &
    loops+=("$!")
    busy_loop 127.0.0.5 five &
    loops+=("$!")
    KILL_PIDS+=("${loops[@]}")
    local seen=0
    for ((i = 1; i <= 6; i++)); do
        # Something happened since the last scrape: three more sessions ended.
        seen=$((seen + 3))
        poll "$WAIT" access_lines_at_least busy "$seen" ||
            fail "busy logged fewer than $seen access lines within ${WAIT}s"
        client_send h1 'line %d\n' "$i"
        client_expect h1 "Hello, line $i!"
        client_send h3 'line %d\n' "$i"
        client_expect h3 "Hello, line $i!"
        name=$CASE_DIR/scrape-$i
        scrape "$BUSY_METRICS" "$name"
        timeout 10 promtool check metrics <"$name" >"$name.promtool" 2>&1
        rc=$?
        # promtool exits 1 on a format error and 3 on lint problems, printed one a line; no
        # complaint is expected or filtered: every hellod_ and process_ metric can be lint-clean.
        if ((rc != 0)) || [[ -s $name.promtool ]]; then
            fail "scrape $i: promtool check metrics exited $rc: $(head -c 600 "$name.promtool")"
        fi
        grep -qi '^content-type: text/plain; version=0.0.4' "$name.headers" ||
            fail "scrape $i: content type: $(grep -i '^content-type' "$name.headers")"
        # No series twice (promtool lets that through; Prometheus keeps one of the values).
        page_samples "$name" >"$name.samples"
        awk 'seen[$1]++ == 1 { print $1 " is on the page more than once"; bad = 1 } END { exit bad }' \
            "$name.samples" >"$name.duplicates" || fail "scrape $i: $(head -n 3 "$name.duplicates" | tr '\n' ';')"
        # Histogram buckets are cumulative, and +Inf is the count.
        awk -v page="scrape $i" '
            /^hellod_session_duration_seconds_bucket/ {
                if (n++ && $2 < last) { print page ": bucket " $1 " = " $2 " < the bucket below it, " last; bad = 1 }
                last = $2; if ($1 ~ /le="\+Inf"/) inf = $2
            }
            /^hellod_session_duration_seconds_count / { count = $2 }
            END { if (inf != count) { print page ": bucket +Inf = " inf ", _count = " count; bad = 1 } exit bad }' \
            "$name" >"$name.histogram" || fail "$(head -n 3 "$name.histogram")"
        # Counters (and the histogram's series) never go down from one scrape to the next.
        if [[ -n $prev ]]; then
            awk 'FNR == NR { before[$1] = $2; next }
                 $1 ~ /(_total|_bucket|_count|_sum)(\{|$)/ && ($1 in before) && $2 + 0 < before[$1] + 0 {
                     print $1 " went down from " before[$1] " to " $2; bad = 1 }
                 END { exit bad }' "$prev.samples" "$name.samples" >"$name.monotonic" ||
                fail "scrape $i: $(head -n 3 "$name.monotonic")"
        fi
        prev=$name
    done
    touch "$CASE_DIR/stop"
    for pid in "${loops[@]}"; do
        poll $((3 * WAIT)) dead "$pid" || fail "a load loop did not stop within $((3 * WAIT))s"
    done
    # The last scrape saw the load: sessions open, refusals of both kinds, long lines.
    v=$(page_value "$prev" hellod_connections_open)
    ((v >= 3)) || fail "the last scrape has hellod_connections_open $v with at least 3 sessions held open"
    for name in 'hellod_connections_refused_total{reason="denied"}' \
        'hellod_connections_refused_total{reason="per_address"}' \
        hellod_session_lines_too_long_total hellod_session_duration_seconds_count; do
        v=$(page_value "$prev" "$name")
        if ! [[ $v =~ ^[0-9]+$ ]] || ((v == 0)); then
            fail "the last scrape has $name $(q "$v"), wanted a count above 0"
        fi
    done
    client_send h1 'exit\n'
    client_expect h1 'Bye!'
    client_expect_eof h1
}

# b. Prometheus against the known workload on "target".
t_b_prometheus_agrees() {
    # Bytes the clients send (hellod's received) and bytes they get (hellod's sent).
    local i name line to_server=0 from_server=0 t_done n want_lines
    # Two sessions held open from 127.0.0.4, its limit: they run through Prometheus' scrapes.
    for name in h1 h2; do
        client_open "$name" "$TARGET_PORT" 127.0.0.4
        client_expect "$name" 'Welcome!'
        from_server=$((from_server + 10))
    done
    for ((i = 1; i <= B_BUSY; i++)); do
        busy_client "busy$i" "$TARGET_PORT"
        from_server=$((from_server + $(wc -c <"$CASE_DIR/busy$i.expected")))
    done
    for ((i = 1; i <= M_DENIED; i++)); do denied_client "denied$i" "$TARGET_PORT"; done
    # The other sessions, all at once, each from an address of its own.
    local -a bg=()
    for ((i = 1; i <= N_SESSIONS - 2; i++)); do
        conversation "n$i" "n$i" "$K_LINES"
        to_server=$((to_server + $(wc -c <"$CASE_DIR/n$i.in")))
        from_server=$((from_server + $(wc -c <"$CASE_DIR/n$i.expected")))
        nc_session "n$i" "127.0.0.$((10 + i))" "$TARGET_PORT" &
        bg+=("$!")
        KILL_PIDS+=("$!")
    done
    for i in "${bg[@]}"; do wait "$i"; done
    for ((i = 1; i <= N_SESSIONS - 2; i++)); do expect_out "n$i"; done
    # Prometheus scrapes while the two are open (its first scrape comes about 5 s after its
    # start: service discovery hands targets over at most every 5 s).
    poll_every 0.1 15 prom_at_least 'hellod_connections_open{job="hellod"}' 2 ||
        fail "Prometheus did not see the 2 held sessions open within 15s (hellod_connections_open: $(prom_value 'hellod_connections_open{job="hellod"}'), up: $(prom_value 'up{job="hellod"}'))"
    for name in h1 h2; do
        for ((i = 1; i <= K_LINES; i++)); do
            line=$name-l$i
            client_send "$name" '%s\n' "$line"
            client_expect "$name" "Hello, $line!"
            to_server=$((to_server + ${#line} + 1))
            from_server=$((from_server + ${#line} + 10))
        done
        client_send "$name" 'exit\n'
        client_expect "$name" 'Bye!'
        client_expect_eof "$name"
        to_server=$((to_server + 5))
        from_server=$((from_server + 6))
    done
    # The counts are made before a session's access line is written: once all N + B lines are
    # there, hellod's counters hold the whole workload (the denied ones were counted before
    # their reset reached the client).
    poll "$WAIT" access_lines_at_least target $((N_SESSIONS + B_BUSY)) ||
        fail "target logged $(grep -cE -- "$ACCESS_RE" "$TMP/target.log") access lines within ${WAIT}s, wanted $((N_SESSIONS + B_BUSY))"
    t_done=$(now_ms)
    echo "$t_done" >"$TMP/workload-done-ms"
    scrape "$TARGET_METRICS" "$CASE_DIR/own"
    wait_scrape_after "$t_done" "the workload ended"
    local own=$CASE_DIR/own accepted=$((N_SESSIONS + M_DENIED + B_BUSY))
    want_lines=$((N_SESSIONS * (K_LINES + 1)))
    n=$(access_sum target lines)
    ((n == want_lines)) || fail "the access log's lines= add up to $n, wanted $want_lines ($N_SESSIONS sessions of $K_LINES lines and exit)"
    expect_prom 'up{job="hellod"}' 1
    expect_prom 'hellod_sessions_ended_total{job="hellod",end="exit"}' "$N_SESSIONS" \
        "$own" 'hellod_sessions_ended_total{end="exit"}'
    expect_prom 'hellod_sessions_ended_total{job="hellod",end="busy"}' "$B_BUSY" \
        "$own" 'hellod_sessions_ended_total{end="busy"}'
    expect_prom 'sum(hellod_sessions_ended_total{job="hellod"})' $((N_SESSIONS + B_BUSY))
    expect_prom 'hellod_session_duration_seconds_count{job="hellod"}' $((N_SESSIONS + B_BUSY)) \
        "$own" hellod_session_duration_seconds_count
    expect_prom 'hellod_session_lines_total{job="hellod"}' "$want_lines" \
        "$own" hellod_session_lines_total
    expect_prom 'hellod_session_lines_too_long_total{job="hellod"}' 0
    expect_prom 'hellod_session_received_bytes_total{job="hellod"}' "$to_server" \
        "$own" hellod_session_received_bytes_total
    expect_prom 'hellod_session_sent_bytes_total{job="hellod"}' "$from_server" \
        "$own" hellod_session_sent_bytes_total
    n=$(access_sum target in)
    ((n == to_server)) || fail "the access log's in= add up to $n, wanted $to_server"
    n=$(access_sum target out)
    ((n == from_server)) || fail "the access log's out= add up to $n, wanted $from_server"
    expect_prom 'hellod_connections_refused_total{job="hellod",reason="denied"}' "$M_DENIED" \
        "$own" 'hellod_connections_refused_total{reason="denied"}'
    expect_prom 'hellod_connections_refused_total{job="hellod",reason="per_address"}' "$B_BUSY" \
        "$own" 'hellod_connections_refused_total{reason="per_address"}'
    expect_prom 'sum(hellod_connections_refused_total{job="hellod"})' $((M_DENIED + B_BUSY))
    expect_prom 'hellod_connections_accepted_total{job="hellod"}' "$accepted" \
        "$own" hellod_connections_accepted_total
    expect_prom 'hellod_connections_open{job="hellod"}' 0 "$own" hellod_connections_open
    expect_prom 'hellod_settings_generation{job="hellod"}' 1
    expect_prom 'sum(hellod_reloads_total{job="hellod"})' 0
    expect_prom "hellod_build_info{job=\"hellod\",version=\"$("$HELLOD" --version | awk '{ print $2 }')\"}" 1
    expect_monotonic 2
    # Every hellod_ series Prometheus holds equals our own scrape, and none is missing on either
    # side (the worker thread gauges are left out: a parked thread may end in between).
    page_samples "$own" | grep '^hellod_' | grep -v '^hellod_worker_threads{' | sort >"$own.samples"
    prom_samples '{job="hellod",__name__=~"hellod_.+",__name__!="hellod_worker_threads"}' |
        sort >"$CASE_DIR/prometheus.samples"
    [[ -s $CASE_DIR/prometheus.samples ]] || fail "Prometheus returned no hellod_ series"
    awk 'FNR == NR { own[$1] = $2; next }
         { seen[$1] = 1
           if (!($1 in own)) { print "Prometheus has " $1 " = " $2 ", hellod'"'"'s page has no such series"; bad = 1 }
           else if ($2 + 0 != own[$1] + 0) { print "Prometheus has " $1 " = " $2 ", hellod'"'"'s page " own[$1]; bad = 1 } }
         END { for (k in own) if (!(k in seen)) { print "Prometheus lacks " k " = " own[k]; bad = 1 }
               exit bad }' "$own.samples" "$CASE_DIR/prometheus.samples" >"$CASE_DIR/compare" ||
        fail "$(head -n 3 "$CASE_DIR/compare" | tr '\n' ';')"
    # Prometheus took every sample on the page.
    n=$(page_samples "$own" | wc -l)
    expect_prom 'scrape_samples_scraped{job="hellod"}' "$n"
}

# c. The target's health as Prometheus sees it, and its own account of the scrapes.
t_c_target_health() {
    local json n line
    json=$(prom_get /api/v1/targets) || fail "GET /api/v1/targets failed: $(tail -c 300 "$TMP/curl-prometheus.err")"
    printf '%s\n' "$json" >"$CASE_DIR/targets.json"
    n=$(jq '[.data.activeTargets[] | select(.labels.job == "hellod")] | length' <<<"$json")
    ((n == 1)) || fail "Prometheus has $n active targets in job hellod, wanted 1: $(head -c 400 <<<"$json")"
    jq -e --arg url "http://127.0.0.1:$TARGET_METRICS/metrics" '
        .data.activeTargets[] | select(.labels.job == "hellod")
        | .health == "up" and .lastError == "" and .scrapeUrl == $url
          and .labels.instance == ($url | ltrimstr("http://") | rtrimstr("/metrics"))' \
        <<<"$json" >/dev/null ||
        fail "target not up with no error: $(jq -c '.data.activeTargets[] | {scrapeUrl, health, lastError, labels}' <<<"$json")"
    n=$(jq '.data.droppedTargets | length' <<<"$json")
    ((n == 0)) || fail "Prometheus dropped $n targets"
    # Prometheus' own counters of samples it would not take from a scrape.
    curl -sS --fail --max-time 3 -o "$CASE_DIR/prometheus.metrics" \
        "http://127.0.0.1:$PROM_PORT/metrics" || fail "GET Prometheus' own /metrics failed"
    for name in prometheus_target_scrapes_sample_duplicate_timestamp_total \
        prometheus_target_scrapes_sample_out_of_order_total \
        prometheus_target_scrapes_sample_out_of_bounds_total \
        prometheus_target_scrapes_exceeded_sample_limit_total \
        prometheus_target_scrapes_exemplar_out_of_order_total; do
        n=$(page_value "$CASE_DIR/prometheus.metrics" "$name")
        [[ -z $n || $n == 0 ]] || fail "Prometheus' $name is $n"
    done
    line=$(grep -m1 -E 'level=(warn|error)' "$TMP/prometheus.log") &&
        fail "Prometheus logged: $line"
    return 0
}

# d. A reload of "target", and Prometheus' next scrape.
t_d_reload() {
    local pid t_reload before
    before=$(prom_value 'hellod_connections_accepted_total{job="hellod"}')
    [[ $before =~ ^[0-9]+$ ]] || fail "hellod_connections_accepted_total before the reload: $(q "$before")"
    printf 'welcome = Welcome back!\n' >"$TMP/target.conf"
    pid=$(<"$TMP/target.pid")
    kill -HUP "$pid" || fail "target (pid $pid) is not running"
    poll "$WAIT" grep -qE 'info  reloaded .*target\.conf: changed welcome' "$TMP/target.log" ||
        fail "target did not log the reload within ${WAIT}s: $(tail -n 3 "$TMP/target.log")"
    # A new session gets the new welcome: the reload took effect.
    printf 'exit\n' >"$CASE_DIR/after.in"
    printf 'Welcome back!\r\nBye!\r\n' >"$CASE_DIR/after.expected"
    nc_session after 127.0.0.2 "$TARGET_PORT"
    expect_out after
    poll "$WAIT" access_lines_at_least target $((N_SESSIONS + B_BUSY + 1)) ||
        fail "target did not log the session after the reload"
    t_reload=$(now_ms)
    wait_scrape_after "$t_reload" "the reload"
    expect_prom 'up{job="hellod"}' 1
    expect_prom 'hellod_settings_generation{job="hellod"}' 2
    expect_prom 'hellod_reloads_total{job="hellod",result="applied"}' 1
    expect_prom 'hellod_reloads_total{job="hellod",result="failed"}' 0
    expect_prom 'hellod_connections_accepted_total{job="hellod"}' $((before + 1))
    expect_monotonic 3
    jq -e '.data.activeTargets[] | select(.labels.job == "hellod") | .health == "up" and .lastError == ""' \
        <<<"$(prom_get /api/v1/targets)" >/dev/null ||
        fail "after the reload the target is not up with no error: $(prom_get /api/v1/targets | jq -c '.data.activeTargets[] | {health, lastError}')"
}

# ---------------------------------------------------------------------------------------------
# Running

PASSED=0
FAILED=0

case_cleanup() {
    local i
    for ((i = ${#KILL_PIDS[@]} - 1; i >= 0; i--)); do end_process "${KILL_PIDS[i]}"; done
}

print_logs() {
    log_tails
    if [[ -n $PROM_PORT ]] && alive "$PROM_PID"; then
        echo "--- Prometheus' targets"
        prom_get /api/v1/targets | jq -c '.data.activeTargets[] | {scrapeUrl, health, lastError, lastScrape}' |
            sed 's/^/    /'
    fi
}

T0=$(now_ms)
printf 'welcome = Welcome!\n' >"$TMP/target.conf"
chmod 0644 "$TMP/target.conf"
start_hellod_as target "${HELLOD_OPTS[@]}" --config "$TMP/target.conf" || setup_failed "$STARTUP_ERROR"
TARGET_PORT=$PORT
TARGET_METRICS=$METRICS_PORT
# Prometheus first: its first scrape comes about 5 s after it starts, while case a runs.
start_prometheus || setup_failed "$STARTUP_ERROR"
start_hellod_as busy "${HELLOD_OPTS[@]}" --max-line-bytes 64 || setup_failed "$STARTUP_ERROR"
BUSY_PORT=$PORT
BUSY_METRICS=$METRICS_PORT

run_case a.promtool t_a_promtool
run_case b.prometheus_agrees t_b_prometheus_agrees
run_case c.target_health t_c_target_health
run_case d.reload t_d_reload

if ((FAILED > 0)); then
    print_logs
fi
T1=$(now_ms)
printf '(%d.%03d s; %s; Prometheus on 127.0.0.1:%s; target metrics on 127.0.0.1:%s)\n' \
    $(((T1 - T0) / 1000)) $(((T1 - T0) % 1000)) \
    "$(prometheus --version 2>&1 | head -n 1 | awk '{ print $1, $2, $3 }')" "$PROM_PORT" "$TARGET_METRICS"
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
