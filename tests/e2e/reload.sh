# shellcheck shell=bash
# Cases for reload on SIGHUP, sourced by run.sh.

# New sessions get the new messages, limits and log level; the open session finishes as it
# began; a changed listen address waits for a restart; a broken file changes nothing.
t_reload_sighup() {
    printf 'listen = 127.0.0.1:0\nwelcome = Hi!\nreply = "Hello, %%s!"\n' >hellod.conf
    start_hellod_unwaited d --config hellod.conf  # the listen address comes from the file
    must_log d 'listening on 127\.0\.0\.1:([0-9]+) ' 'the start-up line'
    HD_PORT[d]=${BASH_REMATCH[1]}
    client_open old "${HD_PORT[d]}"
    client_expect old 'Hi!'

    printf 'welcome = Howdy!\nreply = "Yo, %%s."\nlog-level = debug\nlisten = 127.0.0.1:1\n' >hellod.conf
    kill -HUP "${HD_PID[d]}"
    must_log d 'warning listen changed to 127\.0\.0\.1:1; restart hellod to apply it \(still listening on 127\.0\.0\.1:0\)' 'the restart warning'
    must_log d 'info  reloaded hellod\.conf: changed welcome, reply, log-level;' 'the reload'
    input in 'Ann\nexit\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Howdy!\r\nYo, Ann.\r\nBye!\r\n'
    must_log d 'debug connection from 127\.0\.0\.1:' 'a debug line (the new log level)'
    client_send old 'Bob\n'
    client_expect old 'Hello, Bob!'

    printf 'welcome = Broken!\nmax-connections = lots\n' >hellod.conf
    kill -HUP "${HD_PID[d]}"
    must_log d "error reload failed, still running the previous settings: hellod\\.conf:2: max-connections: 'lots' is not a whole number" 'the failed reload'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Howdy!\r\nYo, Ann.\r\nBye!\r\n'
    client_send old 'exit\n'
    client_expect old 'Bye!'
    client_expect_eof old
    kill -0 "${HD_PID[d]}" 2>/dev/null || fail "hellod died"
}

# session_loop PORT DIR: runs nc sessions back to back until DIR/stop exists (at most 2000),
# each transcript saved as DIR/N.before or DIR/N.after: whether DIR/reloaded existed when the
# session began.
session_loop() {
    local port=$1 dir=$2 n=0 phase
    printf 'Ann\nexit\n' >"$dir/in"
    while [[ ! -e $dir/stop ]] && ((n < 2000)); do
        phase=before
        [[ -e $dir/reloaded ]] && phase=after
        timeout 5 nc 127.0.0.1 "$port" <"$dir/in" >"$dir/$n.$phase" 2>&1 || echo "nc exited $?" >>"$dir/$n.$phase"
        n=$((n + 1))
    done
}

# Clients connect all the time while the configuration is reloaded: no session is dropped or
# mangled, and every session that starts after the reload sees the new welcome.
t_reload_under_load() {
    printf 'welcome = Before!\n' >hellod.conf
    start_hellod d --config hellod.conf
    local loop pids=()
    for loop in 1 2 3; do
        mkdir "l$loop"
        session_loop "${HD_PORT[d]}" "l$loop" &
        pids+=("$!")
        KILL_PIDS+=("$!")
    done
    must_log d ' access ' 'the first session of the load'
    printf 'welcome = After!\n' >hellod.conf
    kill -HUP "${HD_PID[d]}"
    must_log d 'reloaded hellod\.conf: changed welcome' 'the reload'
    touch l1/reloaded l2/reloaded l3/reloaded
    # Each access line is a session ending: count the loops' sessions as they come.
    local deadline=$(($(now_ms) + 10000))
    while (($(find l1 l2 l3 -name '*.after' | wc -l) < 30)); do
        (($(now_ms) < deadline)) || fail "fewer than 30 sessions after the reload within 10 s"
        wait_log d ' access ' 2 || true
    done
    touch l1/stop l2/stop l3/stop
    for loop in "${pids[@]}"; do
        wait_exit "$loop" 10 || fail "a client loop did not stop within 10 s"
    done
    local file before=0 after=0 old=$'Before!\r\nHello, Ann!\r\nBye!\r' new=$'After!\r\nHello, Ann!\r\nBye!\r'
    for file in l*/*.before l*/*.after; do
        case $file in
            *.before) [[ $(<"$file") == "$old" || $(<"$file") == "$new" ]] || fail "$file: $(show_bytes "$file")"
                before=$((before + 1)) ;;
            *.after) [[ $(<"$file") == "$new" ]] || fail "$file (after the reload): $(show_bytes "$file")"
                after=$((after + 1)) ;;
        esac
    done
    ((before >= 3 && after >= 30)) || fail "only $before sessions before and $after after the reload"
}

# The config path becomes a FIFO (or anything that would make a reader wait): SIGHUP refuses it
# in one sentence and keeps the running settings, while accepts and SIGTERM go on as ever.
# At start-up the same FIFO is a clear error at once, not a hang.
t_reload_fifo() {
    printf 'welcome = Hi!\n' >hellod.conf
    start_hellod d --config hellod.conf
    rm hellod.conf
    mkfifo hellod.conf
    kill -HUP "${HD_PID[d]}"
    must_log d 'error reload failed, still running the previous settings: config file hellod\.conf is a FIFO, not a regular file' \
        'the refused FIFO'
    input in 'Ann\nexit\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Hi!\r\nHello, Ann!\r\nBye!\r\n'
    stop_hellod d TERM 3
    ((HD_RC == 0)) || fail "exit status $HD_RC after SIGTERM"

    run_bin s --listen 127.0.0.1:0 --config hellod.conf
    expect_fatal s 66 'hellod: config file hellod.conf is a FIFO, not a regular file'
}

CASES+=(reload_sighup reload_under_load reload_fifo)
