# shellcheck shell=bash
# Cases for --log-format json, sourced by run.sh. A log shipper reads stderr line by line, so
# every line is checked on its own with jq: one object, and of the documented shape.

# The shape of one json log line, for jq -s over the line (so a line holding two values, or
# none, fails): time, level and message first; an access line then has its typed fields and
# nothing else, any other line nothing more.
# shellcheck disable=SC2016  # $names here are jq's
readonly JSON_LINE_SHAPE='
def ts: test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}$");
def count: type == "number" and . >= 0 and . == floor;
def optional_string($key): (has($key) | not) or (.[$key] | type == "string");
length == 1 and (.[0] |
  type == "object"
  and (keys_unsorted[0:3] == ["time", "level", "message"])
  and (.time | type == "string" and ts)
  and (.level | IN("trace", "debug", "info", "warning", "error"))
  and (.message | type == "string")
  and (if .message == "access" then
         (keys_unsorted - ["host", "detail"]) ==
           ["time", "level", "message", "peer", "duration", "lines", "bytes_in", "bytes_out", "end"]
         and (.level == "info")
         and (.peer | type == "string")
         and optional_string("host")
         and (.duration | type == "number" and . >= 0)
         and (.lines | count) and (.bytes_in | count) and (.bytes_out | count)
         and (.end | IN("exit", "eof", "idle", "busy", "shutdown", "error"))
         and optional_string("detail")
       elif (.message | test("^hellod .* listening on ")) then
         keys_unsorted == ["time", "level", "message", "version", "listen", "systemd", "protocol",
           "framing", "metrics", "backlog", "max_connections", "max_connections_per_ip",
           "allow_networks", "deny_networks", "proxy_protocol_from", "idle_timeout",
           "write_timeout", "max_line_bytes", "shutdown_timeout", "config"]
         and ([.version, .listen, .protocol, .framing, .metrics, .proxy_protocol_from, .config]
              | all(type == "string"))
         and ([.systemd, .backlog, .max_connections, .max_connections_per_ip, .allow_networks,
               .deny_networks, .max_line_bytes] | all(count))
         and ([.idle_timeout, .write_timeout, .shutdown_timeout] | all(type == "number"))
       elif (.message | startswith("reloaded ")) then
         keys_unsorted == ["time", "level", "message", "config", "changed"]
         and (.config | type == "string") and (.changed | type == "string")
       elif (.message | startswith("reload failed")) then
         keys_unsorted == ["time", "level", "message", "error"] and (.error | type == "string")
       elif (.message | startswith("refused ")) then
         (keys_unsorted - ["via"]) == ["time", "level", "message", "peer", "reason", "unlogged", "shared"]
         and (.peer | type == "string") and (.reason | type == "string")
         and (.unlogged | count) and (.shared | IN(0, 1))
       elif (.message | startswith("bad PROXY header")) then
         keys_unsorted == ["time", "level", "message", "balancer", "problem", "unlogged", "shared"]
       elif (.message | startswith("shutting down: ")) then
         keys_unsorted == ["time", "level", "message", "sessions_open", "shutdown_timeout"]
         and (.sessions_open | count) and (.shutdown_timeout | type == "number")
       elif (.message | startswith("shutdown-timeout reached")) then
         keys_unsorted == ["time", "level", "message", "sessions_cut"] and (.sessions_cut | count)
       else
         keys_unsorted == ["time", "level", "message"]
       end))'

# expect_json_log FILE [journal]: every line of FILE is one json log line (with journal: after
# a <N> priority that matches its level), FILE is valid UTF-8 with no raw control byte, and
# each access line's duration has three decimals.
expect_json_log() {
    local file=$1 journal=${2:-} line n=0 priority
    [[ -s $file ]] || fail "$file is empty"
    [[ $(tail -c 1 "$file" | od -An -tx1 | tr -d ' ') == 0a ]] || fail "$file: the last line is unterminated"
    iconv -f UTF-8 -t UTF-8 "$file" >/dev/null 2>&1 || fail "$file is not valid UTF-8"
    if LC_ALL=C grep -q '[[:cntrl:]]' "$file"; then
        fail "raw control bytes in $file: $(LC_ALL=C grep -m1 '[[:cntrl:]]' "$file" | show_bytes /dev/stdin)"
    fi
    while IFS= read -r line; do
        n=$((n + 1))
        if [[ -n $journal ]]; then
            [[ $line =~ ^\<([0-7])\>(.*)$ ]] || fail "line $n has no <N> prefix: $(q "$line")"
            priority=${BASH_REMATCH[1]}
            line=${BASH_REMATCH[2]}
            [[ $line =~ ^\{\"time\":\"[^\"]*\",\"level\":\"([a-z]+)\" ]] ||
                fail "line $n: no level after the prefix: $(q "$line")"
            case "$priority:${BASH_REMATCH[1]}" in
                3:error | 4:warning | 6:info | 7:debug | 7:trace) ;;
                *) fail "line $n: priority <$priority> for level ${BASH_REMATCH[1]}" ;;
            esac
        fi
        jq -e -s "$JSON_LINE_SHAPE" <<<"$line" >/dev/null 2>&1 ||
            fail "line $n of $file is not a json log line: $(q "$line")"
        if [[ $line == *'"message":"access"'* && ! $line =~ \"duration\":[0-9]+\.[0-9]{3}, ]]; then
            fail "line $n: duration without three decimals: $(q "$line")"
        fi
    done <"$file"
    ((n > 0)) || fail "no lines in $file"
}

# expect_access NAME INDEX CONDITION...: NAME's log (all json) has an INDEX-th access line
# (from 0) for which every jq CONDITION holds.
expect_access() {
    local name=$1 index=$2 record condition
    shift 2
    record=$(jq -c -s "[.[] | select(.message == \"access\")][$index]" "${HD_LOG[$name]}") ||
        fail "jq cannot read ${HD_LOG[$name]}"
    [[ $record != null ]] || fail "no access line #$index in $(tail -c 600 "${HD_LOG[$name]}")"
    for condition in "$@"; do
        jq -e "$condition" <<<"$record" >/dev/null ||
            fail "access line #$index: not ($condition): $record"
    done
}

# Sessions with hostile bytes at trace: each line a json object, the client's line in the
# trace message escaped exactly as the text log escapes it, access fields matching the sessions.
t_log_json_sessions() {
    start_hellod d --log-format json --log-level trace
    [[ $LOG_LINE == '{"time":"'*'","level":"info","message":"hellod '*' listening on 127.0.0.1:'* ]] ||
        fail "start-up line: $LOG_LINE"
    # NUL, ESC, quotes, a backslash, a lone CR, a bad lead byte, a stray continuation byte, an
    # encoded surrogate, 0xFE, and good UTF-8 (Zoë); CR LF ends the line.
    input in 'a\0b\e[31m"q"\\x\rc\xc3\x28\x80\xed\xa0\x80\xfe Zo\xc3\xab\r\nexit\n'
    talk "${HD_PORT[d]}" out in -N
    expect_file out 'Welcome!\r\nHello, a\0b\e[31m"q"\\x\rc\xc3\x28\x80\xed\xa0\x80\xfe Zo\xc3\xab!\r\nBye!\r\n'
    must_log d '"message":"access"' 'the first session'
    local want='line "a\x00b\x1b[31m\"q\"\\x\rc\xc3(\x80\xed\xa0\x80\xfe Zo'$'\xc3\xab''"'
    jq -e -s --arg want "$want" 'any(.[]; .level == "trace" and (.message | endswith($want)))' d.log >/dev/null ||
        fail "no trace line whose message ends $(q "$want"): $(grep -F '"trace"' d.log | head -c 600)"
    expect_access d 0 '.lines == 2' ".bytes_in == $(wc -c <in)" ".bytes_out == $(wc -c <out)" \
        '.end == "exit"' '.peer | test("^127\\.0\\.0\\.1:[0-9]+$")' '(has("host") or has("detail")) | not'

    # A line-oriented client: socat turns LF into CR LF.
    input in2 'Michael\nexit\n'
    timeout "$WAIT" socat -t "$WAIT" - "TCP:127.0.0.1:${HD_PORT[d]},crlf" <in2 >out2 2>err2 ||
        fail "socat failed or hung: $(head -c 300 err2)"
    expect_file out2 'Welcome!\nHello, Michael!\nBye!\n'
    must_log d '"message":"access"' 'the second session'
    expect_access d 1 '.lines == 2' '.bytes_in == 15' '.bytes_out == 33' '.end == "exit"'

    stop_hellod d TERM 5
    ((HD_RC == 0)) || fail "exit status $HD_RC after SIGTERM"
    grep -qF '"level":"info","message":"stopped"}' d.log || fail "no stopped line: $(tail -c 300 d.log)"
    expect_json_log d.log
}

# A turned-away client's access line is json too: end busy, with the reason as detail.
t_log_json_busy() {
    start_hellod d --log-format json --max-connections 1
    client_open a "${HD_PORT[d]}"
    client_expect a 'Welcome!'
    : >empty
    talk "${HD_PORT[d]}" out empty
    expect_file out 'Error: server busy, try again later\r\n'
    must_log d '"message":"access".*"end":"busy"' 'the turned-away client'
    client_send a 'exit\n'
    client_expect a 'Bye!'
    client_expect_eof a
    must_log d '"message":"access".*"end":"exit"' 'the session'
    expect_access d 0 '.end == "busy"' '.detail == "max-connections 1 reached"' '.lines == 0' \
        '.bytes_in == 0' '.bytes_out == 37'
    expect_access d 1 '.end == "exit"' '.lines == 1' '.bytes_in == 5' 'has("detail") | not'
    expect_json_log d.log
}

# SIGHUP with log-format changed in the file: the reload line is already in the new format,
# and every line is wholly one format; then back again.
# The lines that carry values carry them as fields too, typed, with the values the text says:
# start-up, a refusal, a reload and the shutdown.
t_log_json_fields() {
    printf 'listen = 127.0.0.1:0\nlog-format = json\ndeny = 127.0.0.1\n' >hellod.conf
    start_hellod_unwaited d --config hellod.conf
    must_log d '"message":"hellod [^"]* listening on 127\.0\.0\.1:([0-9]+) ' 'the start-up line'
    HD_PORT[d]=${BASH_REMATCH[1]}
    jq -e --arg listen "127.0.0.1:${HD_PORT[d]}" --arg conf "hellod.conf" \
        '.listen == $listen and .max_connections == 10000 and .deny_networks == 1
         and .shutdown_timeout == 5 and .idle_timeout == 300 and .systemd == 0
         and .protocol == "greeting" and .config == $conf' <<<"$LOG_LINE" >/dev/null ||
        fail "start-up fields: $LOG_LINE"
    # Reset, not a byte (access.sh's refused_connect): nc would report the reset as a failure.
    refused_connect r 127.0.0.1 "${HD_PORT[d]}"
    must_log d '"message":"refused 127\.0\.0\.1 ' 'the refusal'
    jq -e '.peer == "127.0.0.1" and .reason == "deny 127.0.0.1/32" and .unlogged == 0 and .shared == 0' \
        <<<"$LOG_LINE" >/dev/null || fail "refusal fields: $LOG_LINE"
    printf 'listen = 127.0.0.1:0\nlog-format = json\nwelcome = Hi\n' >hellod.conf
    kill -HUP "${HD_PID[d]}"
    must_log d '"message":"reloaded hellod\.conf: changed welcome,deny; |"message":"reloaded hellod\.conf: changed ' 'the reload'
    jq -e '.config == "hellod.conf" and .changed == "welcome,deny"' <<<"$LOG_LINE" >/dev/null ||
        fail "reload fields: $LOG_LINE"
    stop_hellod d TERM 10
    grep '"message":"shutting down: ' "${HD_LOG[d]}" |
        jq -e '.sessions_open == 0 and .shutdown_timeout == 5' >/dev/null ||
        fail "shutdown fields: $(grep 'shutting down' "${HD_LOG[d]}")"
    expect_json_log "${HD_LOG[d]}"
}

t_log_json_reload() {
    printf 'listen = 127.0.0.1:0\nlog-format = text\n' >hellod.conf
    start_hellod_unwaited d --config hellod.conf
    must_log d 'info  hellod .* listening on 127\.0\.0\.1:([0-9]+) ' 'the start-up line'
    HD_PORT[d]=${BASH_REMATCH[1]}
    input in 'Al\nexit\n'
    talk "${HD_PORT[d]}" out in
    must_log d "^$TS info  access .* end=exit\$" 'the text session'

    printf 'listen = 127.0.0.1:0\nlog-format = json\n' >hellod.conf
    kill -HUP "${HD_PID[d]}"
    must_log d '^\{"time":"[^"]+","level":"info","message":"reloaded hellod\.conf: changed log-format; ' 'the reload to json'
    talk "${HD_PORT[d]}" out in
    must_log d '^\{.*"message":"access",.*"end":"exit"\}$' 'the json session'

    printf 'listen = 127.0.0.1:0\nlog-format = TEXT\n' >hellod.conf
    kill -HUP "${HD_PID[d]}"
    must_log d "^$TS info  reloaded hellod\\.conf: changed log-format; " 'the reload back to text'
    talk "${HD_PORT[d]}" out in
    must_log d "^$TS info  access .* end=exit\$" 'the text session after it'
    stop_hellod d TERM 5
    ((HD_RC == 0)) || fail "exit status $HD_RC after SIGTERM"

    # text until the reload to json, json until the reload back, then text.
    local line n=0 part=text json_lines=0
    while IFS= read -r line; do
        n=$((n + 1))
        if [[ $line == '{'*'"message":"reloaded hellod.conf: changed log-format; '* ]]; then
            part=json
        elif [[ $line =~ ^$TS\ info\ \ reloaded\ hellod\.conf:\ changed\ log-format\; ]]; then
            part=text-again
        fi
        if [[ $part == json ]]; then
            jq -e -s "$JSON_LINE_SHAPE" <<<"$line" >/dev/null 2>&1 ||
                fail "line $n, between the reloads, is not a json log line: $(q "$line")"
            json_lines=$((json_lines + 1))
        else
            [[ $line =~ ^$TS\ (info |warning|error|debug|trace)\  ]] ||
                fail "line $n ($part) is not a text line: $(q "$line")"
        fi
    done <d.log
    [[ $part == text-again ]] || fail "the reloads are not both in the log: $(head -c 800 d.log)"
    ((json_lines >= 2)) || fail "only $json_lines json lines between the reloads"
}

# Under systemd: the <N> priority, then the object.
t_log_json_journal() {
    : >j.log
    JOURNAL_STREAM=$(stat -c '%d:%i' j.log) start_hellod j --log-format json --log-level debug
    input in 'Al\nexit\n'
    talk "${HD_PORT[j]}" out in
    must_log j '^<6>\{.*"message":"access",' 'the session'
    stop_hellod j TERM 5
    ((HD_RC == 0)) || fail "exit status $HD_RC after SIGTERM"
    grep -q '^<7>{.*"level":"debug","message":"connection from 127\.0\.0\.1:' j.log ||
        fail "no <7> debug line: $(head -c 600 j.log)"
    expect_json_log j.log journal
}

# A fatal error once the settings are read is one json error line; an error in the settings
# themselves is the plain sentence, since the format is not known then.
t_log_json_fatal() {
    start_hellod first
    run_bin r "${SERVE_AS[@]}" --listen "127.0.0.1:${HD_PORT[first]}" --log-format json
    expect_fatal r 69 'already in use' "127.0.0.1:${HD_PORT[first]}"
    expect_json_log r.err
    jq -e '.level == "error" and (.message | startswith("hellod:") | not)' r.err >/dev/null ||
        fail "not an error line with the bare sentence: $(cat r.err)"

    : >f.log
    JOURNAL_STREAM=$(stat -c '%d:%i' f.log) HELLOD_LOG_FORMAT=json timeout 30 "$HELLOD" \
        "${SERVE_AS[@]}" --listen "127.0.0.1:${HD_PORT[first]}" 2>f.log </dev/null
    RC=$?
    ((RC == 69)) || fail "exit status $RC under the journal, wanted 69: $(head -c 300 f.log)"
    expect_json_log f.log journal
    grep -q '^<3>{' f.log || fail "fatal error without <3>: $(head -c 300 f.log)"

    run_bin u --log-format yaml
    expect_fatal u 64 "hellod: --log-format: 'yaml' is not one of text, json"
    HELLOD_LOG_FORMAT=yaml run_bin e
    expect_fatal e 78 "hellod: HELLOD_LOG_FORMAT: 'yaml' is not one of text, json"
    run_bin b --log-format json --max-connections 0
    expect_fatal b 64 'hellod: --max-connections: '
}

# The number of threads PID has now.
thread_count() {
    local key value
    while read -r key value _; do
        [[ $key == Threads: ]] && { echo "$value"; return 0; }
    done <"/proc/$1/status"
    echo 0
}

# short_sessions PORT N: N sessions, each connecting, reading its first line and closing. Fails
# the case if one gets no line (accepting stopped). Leaves the most threads seen in MOST_THREADS.
short_sessions() {
    local port=$1 n=$2 pid=$3 i fd line threads
    for ((i = 0; i < n; i++)); do
        exec {fd}<>"/dev/tcp/127.0.0.1/$port" || fail "session $i of $n: cannot connect"
        IFS= read -r -t "$WAIT" -u "$fd" line ||
            fail "session $i of $n: no first line within ${WAIT}s (has accepting stopped?)"
        exec {fd}<&-
        if ((i % 50 == 0)); then
            threads=$(thread_count "$pid")
            ((threads > MOST_THREADS)) && MOST_THREADS=$threads
        fi
    done
}

# A log reader that stops reading (a stuck journald, `hellod | less` paused) must not stop the
# daemon: sessions and accepts go on, the threads stay bounded by max-connections plus the
# parked ones and a few of hellod's own, the lines that could not wait are dropped and counted
# once the reader is back, and SIGTERM ends it within shutdown-timeout plus a second. stderr is
# a FIFO this shell holds open for reading and never reads. At debug the accept thread logs
# too, so a blocking log would also stop accepting.
t_log_reader_stalls() {
    local fifo=$CASE_DIR/stderr.fifo hold pid port reader fd line
    mkfifo "$fifo"
    exec {hold}<>"$fifo"
    "$HELLOD" "${SERVE_AS[@]}" --listen 127.0.0.1:0 --log-level debug --max-connections 20 \
        --shutdown-timeout 2 2>"$fifo" >/dev/null </dev/null &
    pid=$!
    KILL_PIDS+=("$pid")
    port=$(proc_listen_port "$pid") || fail "hellod did not start listening"

    # 3000 sessions log some 9000 lines: the pipe holds 64 KiB of them and the queue 4096.
    MOST_THREADS=0
    short_sessions "$port" 3000 "$pid"
    # 20 sessions, 64 parked threads, the main, log, resolver and UDP threads, and slack for
    # threads that are ending: before the log was asynchronous this was over 2000.
    ((MOST_THREADS <= 100)) || fail "$MOST_THREADS threads while the log reader was stalled"

    # The reader comes back: the next line that gets through is preceded by the count.
    HD_LOG[d]=$CASE_DIR/d.log
    : >"${HD_LOG[d]}"
    cat <&"$hold" >"${HD_LOG[d]}" &
    reader=$!
    KILL_PIDS+=("$reader")
    exec {fd}< <(exec tail -n +1 -s 0.1 --pid="$pid" -f "${HD_LOG[d]}" 2>/dev/null)
    KILL_PIDS+=("$!")
    HD_LOGFD[d]=$fd
    short_sessions "$port" 1 "$pid"
    must_log d 'warning ([0-9]+) log lines were dropped: the log.s reader \(stderr\) was not taking them' \
        'the count of dropped lines'
    echo "most threads: $MOST_THREADS; dropped and counted: ${BASH_REMATCH[1]} lines" >&2

    # It stalls again, with the pipe full, and a session is open: SIGTERM still ends hellod in
    # time. (shutdown-timeout 2, plus a second.)
    kill "$reader"
    wait "$reader" 2>/dev/null
    short_sessions "$port" 1000 "$pid"
    local held
    exec {held}<>"/dev/tcp/127.0.0.1/$port"
    IFS= read -r -t "$WAIT" -u "$held" line || fail "the held session got no welcome"
    local t0
    t0=$(now_ms)
    kill -TERM "$pid"
    wait_exit "$pid" 3 || fail "hellod still running 3 s after SIGTERM with its log reader stalled"
    wait "$pid"
    local rc=$?
    ((rc == 0)) || fail "exit status $rc after SIGTERM, wanted 0"
    echo "exited $(($(now_ms) - t0)) ms after SIGTERM" >&2
    exec {held}<&- {hold}<&-
}

CASES+=(log_json_fields log_reader_stalls log_json_sessions log_json_busy log_json_reload log_json_journal log_json_fatal)
