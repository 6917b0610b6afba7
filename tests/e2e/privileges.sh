# shellcheck shell=bash
# HD_PORT and friends are lib.sh's associative arrays, keyed by name, which shellcheck cannot see.
# shellcheck disable=SC2004,SC2154
# Cases for least privilege (--user, --group, --run-as-root), sourced by run.sh. The cases that
# start hellod as root and look at what it became skip when the suite does not run as root.

need_root() {
    ((EUID == 0)) || skip "needs root (CI runs the suite as root)"
}

# proc_field PID NAME: NAME's value in /proc/PID/status, blanks squeezed to single spaces.
proc_field() {
    sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s ' \t' '  ' | sed 's/ $//'
}

NOBODY_UID=$(id -u nobody 2>/dev/null)
NOGROUP_GID=$(getent group nogroup 2>/dev/null | cut -d: -f3)
DROPPED_LINE="info  dropped root: serving as user nobody \\(uid $NOBODY_UID\\), group nogroup \\(gid $NOGROUP_GID\\), with no capabilities, no other groups and no way back$"

# ere_quote TEXT: TEXT as a bash/grep extended regular expression that matches it literally.
ere_quote() {
    printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'
}

# expect_ids PID: every uid of PID is nobody's and every gid nogroup's, with no capabilities
# and no_new_privs.
expect_ids() {
    local pid=$1 set u=$NOBODY_UID g=$NOGROUP_GID
    [[ $(proc_field "$pid" Uid) == "$u $u $u $u" ]] || fail "Uid: $(proc_field "$pid" Uid), wanted $u four times"
    [[ $(proc_field "$pid" Gid) == "$g $g $g $g" ]] || fail "Gid: $(proc_field "$pid" Gid), wanted $g four times"
    for set in CapInh CapPrm CapEff CapAmb; do
        [[ $(proc_field "$pid" $set) == 0000000000000000 ]] || fail "$set: $(proc_field "$pid" $set)"
    done
    [[ $(proc_field "$pid" NoNewPrivs) == 1 ]] || fail "NoNewPrivs: $(proc_field "$pid" NoNewPrivs)"
}

# expect_dropped PID: expect_ids, and nogroup is its only group.
expect_dropped() {
    expect_ids "$1"
    [[ $(proc_field "$1" Groups) == "$NOGROUP_GID" ]] || fail "Groups: $(proc_field "$1" Groups), wanted only $NOGROUP_GID"
}

# start_privileged NAME ARGS...: $HELLOD --listen 127.0.0.1:PORT ARGS on a free port below
# 1024 (HD_PORT[NAME]), which only root can bind; ports that are taken are retried.
start_privileged() {
    local name=$1 attempt port
    shift
    for attempt in 1 2 3 4 5 6 7 8; do
        port=$((600 + RANDOM % 424))
        start_process "$name" "$HELLOD" --listen "127.0.0.1:$port" "$@"
        if wait_log "$name" "listening on 127\\.0\\.0\\.1:$port "; then
            HD_PORT[$name]=$port
            return 0
        fi
        grep -q 'already in use' "${HD_LOG[$name]}" || break
        end_process "${HD_PID[$name]}"
        : >"${HD_LOG[$name]}"
    done
    fail "hellod did not start on a port below 1024 (attempt $attempt); log: $(head -c 600 "${HD_LOG[$name]}")"
}

# Root binds a port below 1024 (TCP and UDP), then serves as nobody for good; a reload reads
# the file as nobody and cannot change who hellod is; SIGTERM still ends it with 0.
t_priv_drop_after_privileged_bind() {
    need_root
    printf 'welcome = Hi!\nudp-echo = true\nuser = nobody\ngroup = nogroup\n' >hellod.conf
    chmod 0644 hellod.conf
    start_privileged d --config hellod.conf
    local port=${HD_PORT[d]} pid=${HD_PID[d]}
    grep -qE "$DROPPED_LINE" "${HD_LOG[d]}" || fail "no line saying who it serves as: $(head -c 600 "${HD_LOG[d]}")"
    expect_dropped "$pid"
    input in 'Ann\nexit\n'
    talk "$port" out in
    expect_file out 'Hi!\r\nHello, Ann!\r\nBye!\r\n'
    printf 'ping' >ping
    timeout "$WAIT" socat -T 3 - "UDP:127.0.0.1:$port" <ping >pong 2>pong.err || fail "no UDP echo: $(cat pong.err)"
    expect_file pong 'ping'

    printf 'welcome = Howdy!\nudp-echo = true\nuser = daemon\nrun-as-root = yes\n' >hellod.conf
    kill -HUP "$pid"
    must_log d 'warning user, group, run-as-root changed; restart hellod to apply it \(still serving as it started\)$' 'the restart warning'
    must_log d 'info  reloaded hellod\.conf: changed welcome;' 'the reload'
    talk "$port" out2 in
    expect_file out2 'Howdy!\r\nHello, Ann!\r\nBye!\r\n'
    expect_dropped "$pid"

    # The file is read again after the drop: one nobody cannot read changes nothing.
    chmod 0600 hellod.conf
    kill -HUP "$pid"
    must_log d 'error reload failed, still running the previous settings: cannot read config file hellod\.conf: Permission denied$' 'the failed reload'
    talk "$port" out3 in
    expect_file out3 'Howdy!\r\nHello, Ann!\r\nBye!\r\n'
    stop_hellod d TERM 5
    ((HD_RC == 0)) || fail "exit status $HD_RC after SIGTERM"
}

# Root is not held to RLIMIT_NPROC, but the user it drops to is: the start-up warning about
# threads is worked out after the drop.
t_priv_task_limit_after_drop() {
    need_root
    # shellcheck disable=SC2016  # the inner shell expands them
    start_process d bash -c 'ulimit -u 100 && exec "$0" "$@"' "$HELLOD" --listen 127.0.0.1:0 \
        --user nobody --group nogroup
    must_log d 'warning max-connections 10000 needs about 10005 threads but the task limit is ([0-9]+),' 'the task-limit warning'
    ((BASH_REMATCH[1] <= 100)) || fail "task limit ${BASH_REMATCH[1]}, wanted at most 100: $LOG_LINE"
    must_log d 'listening on 127\.0\.0\.1:[0-9]+ ' 'the start-up line'
}

# Root without --user: one sentence, exit 78, before anything is bound (the port is taken, and
# a hellod that bound first would say so with 69).
t_priv_root_refused() {
    need_root
    start_hellod first
    local sentence='hellod: refusing to serve as root: give --user NAME to drop to that user once the sockets are bound, or --run-as-root to serve as root anyway'
    run_bin r --listen "127.0.0.1:${HD_PORT[first]}"
    expect_fatal r 78 "$sentence"
    HELLOD_RUN_AS_ROOT=no run_bin e --listen "127.0.0.1:${HD_PORT[first]}"
    expect_fatal e 78 "$sentence"
}

# --run-as-root (or its variable) is the explicit consent: hellod serves as root, and warns.
t_priv_run_as_root() {
    need_root
    start_process d "$HELLOD" --listen 127.0.0.1:0 --run-as-root
    must_log d 'listening on 127\.0\.0\.1:([0-9]+) ' 'the start-up line'
    HD_PORT[d]=${BASH_REMATCH[1]}
    [[ $(proc_field "${HD_PID[d]}" Uid) == '0 0 0 0' ]] || fail "Uid: $(proc_field "${HD_PID[d]}" Uid)"
    grep -qF "warning serving as root (run-as-root): every session runs with root's privileges; --user drops them once the sockets are bound" "${HD_LOG[d]}" ||
        fail "no warning about serving as root: $(head -c 600 "${HD_LOG[d]}")"
    input in 'Ann\nexit\n'
    talk "${HD_PORT[d]}" out in
    expect_file out 'Welcome!\r\nHello, Ann!\r\nBye!\r\n'
    stop_hellod d TERM 5
    ((HD_RC == 0)) || fail "exit status $HD_RC after SIGTERM"
    HELLOD_RUN_AS_ROOT=yes start_process e "$HELLOD" --listen 127.0.0.1:0
    must_log e 'listening on 127\.0\.0\.1:[0-9]+ ' 'the start-up line with HELLOD_RUN_AS_ROOT=yes'
}

# Not started as root, --user can only name who hellod already is.
t_priv_user_without_root() {
    need_root  # to start it as nobody
    local -a as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    timeout 30 "${as_nobody[@]}" "$HELLOD" --user daemon --group daemon --listen 127.0.0.1:0 \
        >r.out 2>r.err </dev/null
    RC=$?
    expect_fatal r 77 "hellod: --user: hellod runs as uid $NOBODY_UID (gid $NOGROUP_GID), not as root, so it cannot switch to user daemon (uid $(id -u daemon)), group daemon (gid $(getent group daemon | cut -d: -f3)); start it as root, or leave --user out"

    start_process n "${as_nobody[@]}" "$HELLOD" --user nobody --group nogroup --listen 127.0.0.1:0
    must_log n 'listening on 127\.0\.0\.1:([0-9]+) ' 'the start-up line of hellod already nobody'
    HD_PORT[n]=${BASH_REMATCH[1]}
    grep -qE "info  serving as user nobody \\(uid $NOBODY_UID\\), group nogroup \\(gid $NOGROUP_GID\\) \\(as started\\)$" "${HD_LOG[n]}" ||
        fail "no line saying who it serves as: $(head -c 600 "${HD_LOG[n]}")"
    expect_ids "${HD_PID[n]}"
    input in 'Ann\nexit\n'
    talk "${HD_PORT[n]}" out in
    expect_file out 'Welcome!\r\nHello, Ann!\r\nBye!\r\n'

    # Without --user a non-root hellod simply serves.
    start_process m "${as_nobody[@]}" "$HELLOD" --listen 127.0.0.1:0
    must_log m 'listening on 127\.0\.0\.1:[0-9]+ ' 'the start-up line of hellod as nobody without --user'
}

# Users and groups that do not exist, and root as a --user, whoever starts hellod.
t_priv_unknown_user() {
    run_bin u --user no-such-user-hellod --listen 127.0.0.1:0
    expect_fatal u 67 "hellod: --user: there is no user 'no-such-user-hellod' on this system"
    run_bin g --user nobody --group no-such-group-hellod --listen 127.0.0.1:0
    expect_fatal g 67 "hellod: --group: there is no group 'no-such-group-hellod' on this system"
    HELLOD_USER=no-such-user-hellod run_bin e --listen 127.0.0.1:0
    expect_fatal e 67 "hellod: --user: there is no user 'no-such-user-hellod' on this system"
    run_bin r --user root --listen 127.0.0.1:0
    expect_fatal r 78 "hellod: --user: 'root' has uid 0, and --user is for dropping root; to serve as root, leave --user out and give --run-as-root"
    run_bin o --group nogroup --listen 127.0.0.1:0
    expect_fatal o 78 'hellod: group is set but user is not: hellod changes its group only when it drops root for --user'
    run_bin s --user 'a b'
    expect_fatal s 64 "hellod: --user: 'a b' is neither a user or group name nor a numeric id"
}

# --test-config looks the user and group up, as nginx -t does.
t_priv_test_config() {
    printf 'listen = 127.0.0.1:0\nuser = no-such-user-hellod\n' >bad.conf
    run_bin bad -t --config bad.conf
    expect_fatal bad 67 "hellod: --user: there is no user 'no-such-user-hellod' on this system"
    run_bin badgroup -t --listen 127.0.0.1:0 --user nobody --group no-such-group-hellod
    expect_fatal badgroup 67 "--group: there is no group 'no-such-group-hellod'"
    printf 'listen = 127.0.0.1:0\nuser = nobody\ngroup = nogroup\n' >good.conf
    run_bin ok -t --config good.conf
    ((RC == 0)) || fail "--test-config with user nobody: exit $RC: $(head -c 300 ok.err)"
    expect_file ok.out 'hellod: settings are valid (good.conf)\n'
}

# --inetd drops too, before the session's first byte; without --user, root is refused and the
# client gets nothing.
t_priv_inetd_drops() {
    need_root
    start_on_free_port d systemd-socket-activate -l '127.0.0.1:{PORT}' --accept --inetd \
        "$HELLOD" --inetd --user nobody --group nogroup
    client_open c "${HD_PORT[d]}"
    client_expect c 'Welcome!'
    must_log d '^Spawned .* as PID ([0-9]+)\.' 'the session process'
    local pid=${BASH_REMATCH[1]}
    must_log d "$DROPPED_LINE" 'the line saying who it serves as'
    expect_dropped "$pid"
    client_send c 'Ann\nexit\n'
    client_expect c 'Hello, Ann!'
    client_expect c 'Bye!'
    client_expect_eof c
    must_log d "^Child $pid died with code 0" 'a clean exit'

    start_on_free_port e systemd-socket-activate -l '127.0.0.1:{PORT}' --accept --inetd "$HELLOD" --inetd
    input in 'Ann\n'
    timeout "$WAIT" nc 127.0.0.1 "${HD_PORT[e]}" <in >out2 2>/dev/null
    must_log e '^hellod: refusing to serve as root: give --user NAME' 'the sentence'
    must_log e '^Child [0-9]+ died with code 78' 'exit status 78'
    [[ -s out2 ]] && fail "the client got bytes: $(show_bytes out2)"
    return 0
}

# The config file is read again at each reload, after the drop: a --user that cannot read it
# (here a directory only root may enter) is said at start-up and by --test-config, which still
# passes, as the start does; the reload then fails as the warning says. Readable, neither warns.
t_priv_config_unreadable_by_user() {
    need_root
    mkdir private && chmod 0700 private
    printf 'welcome = Hi!\n' >private/h.conf
    chmod 0644 private/h.conf
    local conf=$CASE_DIR/private/h.conf
    local sentence="config file $conf is not readable by user nobody (Permission denied), so every reload will fail; make it readable by nobody (and its directories searchable), or restart hellod to apply changes"
    run_bin t -t --user nobody --group nogroup --config "$conf"
    ((RC == 0)) || fail "--test-config: exit $RC, wanted 0 (the start succeeds): $(head -c 300 t.err)"
    expect_file t.out 'hellod: settings are valid (%s), with 1 warning\n' "$conf"
    grep -qxF "hellod: warning: $sentence" t.err || fail "--test-config did not warn that nobody cannot read the config file; stderr: $(head -c 600 t.err)"

    start_hellod d --config "$conf"
    grep -qxE "$TS warning $(ere_quote "$sentence")" "${HD_LOG[d]}" ||
        fail "the start did not warn that nobody cannot read the config file; log: $(head -c 800 "${HD_LOG[d]}")"
    kill -HUP "${HD_PID[d]}"
    must_log d "error reload failed, still running the previous settings: cannot read config file $(ere_quote "$conf"): Permission denied$" 'the failed reload'

    chmod 0711 private
    run_bin ok -t --user nobody --group nogroup --config "$conf"
    ((RC == 0)) || fail "--test-config on a readable file: exit $RC: $(head -c 300 ok.err)"
    [[ -s ok.err ]] && fail "--test-config warned though user nobody can read the file: $(head -c 300 ok.err)"
    start_hellod e --config "$conf"
    grep -qF 'is not readable by user' "${HD_LOG[e]}" && fail "the start warned though user nobody can read the file: $(head -c 800 "${HD_LOG[e]}")"
    return 0
}

CASES+=(
    priv_drop_after_privileged_bind priv_root_refused priv_run_as_root priv_user_without_root
    priv_task_limit_after_drop priv_unknown_user priv_test_config priv_inetd_drops
    priv_config_unreadable_by_user
)
