#!/usr/bin/env bash
# hellod under a real systemd, in a podman container: usage in_container.sh BUILD_DIR SOURCE_DIR
#
# Stages `cmake --install BUILD_DIR` (binary, units, config), builds an image FROM
# debian:bookworm-slim with systemd and hellod's runtime libraries, boots it with systemd as
# PID 1, and drives the units with systemctl from outside (podman exec) and the protocol with
# nc from the host (the container shares the host's network, so the units' ports are host
# ports; free loopback ports are picked and set through drop-ins and the config):
#
#   A  hellod.socket (Accept=no): the service starts on the first connection, serves it,
#      reloads (new sessions get the new welcome; a bad value is refused and logged at
#      priority warning or above), logs access lines at info, and stops cleanly.
#   B  hellod.service started directly: Type=notify, active only after READY (so it accepts
#      the moment `systemctl start` returns), shows its status, keeps the watchdog fed,
#      reloads as in A, tells a session open at `systemctl stop` that it is shutting down,
#      and stops with result success and exit status 0.
#   C  hellod@ADDR:PORT.socket (Accept=yes): one hellod --inetd per connection; the session's
#      unit ends successfully and its journal holds the access line.
#
# Environment:
#   ONLY=AC             run only these scenarios (default ABC)
#   HELLOD_CT_KEEP=1    keep the container and image at the end (prints how to enter them)
#   HELLOD_CT_EXTRA_PACKAGES="pkg ..."
#                       Debian packages to add to the image (to try what a unit lacks)
#
# Prints "ok - ..." or "FAIL - ...: why" per case and "N passed, N failed" at the end; exits 1
# when a case failed, 77 (skipped) when podman, root or another tool is missing. Every step is
# bounded; waits poll a condition. The container and the image are removed at exit, also on
# failure, timeout and Ctrl-C. The base image (docker.io/library/debian:bookworm-slim, made
# with debootstrap when missing) stays as a cache: see tests/containers/lib.sh.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2317  # functions run through step and ct_wait look unreachable
set -u -o pipefail

if (($# != 2)); then
    echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2
    exit 2
fi
BUILD_DIR=$(realpath -- "$1") || exit 2
SOURCE_DIR=$(realpath -- "$2") || exit 2
ONLY=${ONLY:-ABC}
export LC_ALL=C

# shellcheck source=../containers/lib.sh
source "$SOURCE_DIR/tests/containers/lib.sh"
# shellcheck source=../containers/checks.sh
source "$SOURCE_DIR/tests/containers/checks.sh"
ct_require_tools podman runc debootstrap flock nc socat cmake ldd dpkg timeout realpath od cmp

T_START=$SECONDS
RUN_ID="$$-$RANDOM"
IMAGE="localhost/hellod-systemd-test:$RUN_ID"
CT="hellod-systemd-$RUN_ID"
TMP=$(ct_tmpdir) || exit 2
STAGE="$TMP/ctx/stage"

ct_own "$TMP" "$CT" "$IMAGE"

# ---------------------------------------------------------------------------------------------
# Cases

# ---------------------------------------------------------------------------------------------
# Talking to the container

# cx CMD...: runs CMD in the container (bounded).
cx() { PM_TIMEOUT=60 pm exec "$CT" "$@"; }

# sctl ARGS...: systemctl in the container, at most 60 s (a start or stop that hangs fails).
sctl() { cx systemctl --no-pager "$@"; }

# put PATH MODE: writes stdin to PATH in the container (directories made as needed).
put() {
    # shellcheck disable=SC2016  # expanded by the container's sh
    PM_TIMEOUT=30 pm exec -i "$CT" \
        sh -c 'mkdir -p "$(dirname "$1")" && cat >"$1" && chmod "$2" "$1"' sh "$1" "$2"
}

# unit_state UNIT: prints "ActiveState/SubState/Result".
unit_state() {
    sctl show -p ActiveState -p SubState -p Result "$1" |
        awk -F= '{ v[$1] = $2 } END { print v["ActiveState"] "/" v["SubState"] "/" v["Result"] }'
}

expect_state() { expect_out "$2" unit_state "$1"; }

# wait_state UNIT WANT SECONDS
wait_state() {
    ct_wait "$3" "$1 to be $2" expect_out "$2" unit_state "$1" >/dev/null 2>&1 ||
        expect_out "$2" unit_state "$1"
}

# Journal lines (message only) from the current scenario's marker on, with journalctl options
# (-u UNIT, -p PRIORITY). --cursor, not --after-cursor: journalctl 252 with --after-cursor and
# a match (-u, -p) drops the first matching entry after the cursor.
journal() { cx journalctl --no-pager -o cat --cursor="$CURSOR" "$@"; }

# mark_journal NAME: writes a marker entry (matching none of the -u filters) and sets CURSOR
# to it, so that journal sees only what came after.
mark_journal() {
    local tag="in_container-$RUN_ID-$1"
    cx systemd-cat -t "$tag" echo "in_container.sh: scenario $1 starts" || return 1
    ct_wait 10 "the journal marker $tag" marker_cursor "$tag"
}
marker_cursor() {
    CURSOR=$(cx journalctl -t "$1" -n 1 --show-cursor --no-pager -o cat | sed -n 's/^-- cursor: //p')
    [[ -n $CURSOR ]]
}

# journal_has REGEX OPTIONS...: some journal line (since the cursor, with OPTIONS) matches.
journal_has() {
    local re=$1
    shift
    journal "$@" | grep -Eq -- "$re"
}

# wait_journal SECONDS REGEX OPTIONS...: polls until journal_has; on timeout prints the
# journal lines it looked at.
wait_journal() {
    local seconds=$1 re=$2
    shift 2
    ct_wait "$seconds" "a journal line /$re/ ($*)" journal_has "$re" "$@" 2>/dev/null && return 0
    echo "no journal line /$re/ within ${seconds}s with $*; those lines:"
    journal "$@" | tail -n 15
    return 1
}

# ---------------------------------------------------------------------------------------------
# Settings

# write_config [LINES...]: the config every scenario starts from: hellod.service's own
# listener (scenario B; ignored under socket activation) plus LINES.
write_config() {
    {
        echo "# written by tests/systemd/in_container.sh"
        echo "listen = 127.0.0.1:$PORT_B"
        printf '%s\n' "$@"
    } | put "$CONF" 0644
}

# clean_exit: hellod.service has stopped after a graceful shutdown: inactive, result success,
# the main process exited on its own with status 0 (not killed by SIGTERM or SIGKILL), after
# hellod logged "stopped". (multi-user.target wants hellod.service, see the set-up, so
# systemd keeps the stopped unit, and its exit status, loaded.)
clean_exit() {
    expect_state hellod.service inactive/dead/success || return 1
    expect_out $'ExecMainCode=1\nExecMainStatus=0' \
        sctl show -p ExecMainCode -p ExecMainStatus hellod.service || {
        echo "(ExecMainCode 1 is CLD_EXITED: the process called exit; 2 would be killed)"
        return 1
    }
    wait_journal 10 '^stopped$' -u hellod.service -p info..info
}

# ---------------------------------------------------------------------------------------------
# Scenario A: hellod.socket (Accept=no)

scenario_A() {
    local port=$PORT_A
    mark_journal A || return 1
    step "A: config and hellod.socket drop-in (127.0.0.1:$port) installed" a_setup || return 1
    step "A: systemctl start hellod.socket" sctl start hellod.socket || return 1
    step "A: hellod.socket listening, hellod.service not started before a client" \
        a_states_before || return 1
    step "A: nc transcript byte-exact through the socket" converse "$port" 'Welcome!' || return 1
    step "A: hellod.service active after the first connection" \
        wait_state hellod.service active/running/success 15 || return 1
    step "A: start-up line says the sockets came from systemd" \
        wait_journal 10 'listening on .*from systemd' -u hellod.service
    step "A: access line in the journal at priority info" \
        wait_journal 10 '^access peer=127\.0\.0\.1:[0-9]+ .*end=exit' -u hellod.service -p info..info
    step "A: no access line at priority warning or above" no_access_at_warning hellod.service
    step "A: systemctl reload: a new session gets the new welcome" reload_welcome "$port"
    step "A: reload with a bad value: warning in the journal, still serving the last good settings" \
        bad_reload "$port"
    step "A: systemctl stop hellod.service hellod.socket" sctl stop hellod.service hellod.socket
    step "A: hellod.service ended inactive, result success, exit status 0" clean_exit
    step "A: hellod.socket ended inactive" expect_state hellod.socket inactive/dead/success
}

a_setup() {
    write_config || return 1
    printf '[Socket]\nListenStream=\nListenStream=127.0.0.1:%s\n' "$PORT_A" |
        put /etc/systemd/system/hellod.socket.d/test.conf 0644 || return 1
    sctl daemon-reload
}

a_states_before() {
    expect_state hellod.socket active/listening/success || return 1
    expect_state hellod.service inactive/dead/success || return 1
    sctl show -p Listen --value hellod.socket | grep -q "127.0.0.1:$PORT_A (Stream)" || {
        echo "hellod.socket listens on: $(sctl show -p Listen --value hellod.socket)"
        return 1
    }
}

# reload_welcome PORT: systemctl reload with a new welcome; new sessions get it.
reload_welcome() {
    local port=$1
    write_config 'welcome = "Welcome back!"' || return 1
    sctl reload hellod.service || return 1
    # ExecReload (kill -HUP) returns before hellod has read the file: poll new sessions.
    ct_wait 15 "the new welcome" welcome_is "$port" 'Welcome back!' || {
        converse "$port" 'Welcome back!'
        return 1
    }
    wait_journal 10 'reloaded .*changed welcome' -u hellod.service -p info..info || return 1
    expect_state hellod.service active/running/success
}

# bad_reload PORT: a reload the config refuses is logged at warning or worse and changes
# nothing.
bad_reload() {
    local port=$1
    write_config 'welcome = "Welcome back!"' 'max-connections = lots' || return 1
    sctl reload hellod.service || return 1
    wait_journal 10 'reload failed.*max-connections' -u hellod.service -p warning || return 1
    converse "$port" 'Welcome back!' || return 1
    expect_state hellod.service active/running/success || return 1
    write_config 'welcome = "Welcome back!"'
}

# no_access_at_warning UNIT: access lines are info, so none shows at priority warning or worse.
no_access_at_warning() {
    if journal -u "$1" -p warning | grep -E '^access '; then
        echo "(these access lines have priority warning or higher)"
        return 1
    fi
    return 0
}

# ---------------------------------------------------------------------------------------------
# Scenario B: hellod.service started directly

scenario_B() {
    mark_journal B || return 1
    step "B: hellod.socket stopped, config listens on 127.0.0.1:$PORT_B" b_setup || return 1
    step "B: hellod.service is Type=notify" expect_out notify sctl show -p Type --value hellod.service
    step "B: systemctl start hellod.service" sctl start hellod.service || return 1
    # No polling from here: with Type=notify, start returns only after READY=1, which hellod
    # sends once it is listening.
    step "B: active/running as soon as start returns" expect_state hellod.service active/running/success
    step "B: hellod reports its status to systemd (STATUS=)" b_status_text
    step "B: accepting as soon as start returns: nc transcript byte-exact" \
        converse "$PORT_B" 'Welcome!'
    step "B: start-up line names its own listener" \
        wait_journal 10 "listening on 127\\.0\\.0\\.1:$PORT_B" -u hellod.service
    step "B: access line in the journal at priority info" \
        wait_journal 10 '^access peer=127\.0\.0\.1:[0-9]+ .*end=exit' -u hellod.service -p info..info
    step "B: no access line at priority warning or above" no_access_at_warning hellod.service
    step "B: the watchdog is armed and pinged" b_watchdog
    step "B: systemctl reload: a new session gets the new welcome" reload_welcome "$PORT_B"
    step "B: reload with a bad value: warning in the journal, still serving the last good settings" \
        bad_reload "$PORT_B"
    step "B: a session is open when the stop begins" hold_session held "$PORT_B" 'Welcome back!' || return 1
    step "B: systemctl stop hellod.service" sctl stop hellod.service || return 1
    step "B: the open session got the shutdown line, then the close" \
        held_session_told held 'Welcome back!'
    step "B: ended inactive, result success, exit status 0" clean_exit
}

# WatchdogSec=30s, and the accept loop's pings (every second) move systemd's timestamp of the
# last one.
b_watchdog() {
    expect_out 30s sctl show -p WatchdogUSec --value hellod.service || return 1
    local first
    first=$(sctl show -p WatchdogTimestampMonotonic --value hellod.service) || return 1
    [[ $first =~ ^[1-9][0-9]*$ ]] || {
        echo "no watchdog ping recorded (WatchdogTimestampMonotonic=$first)"
        return 1
    }
    ct_wait 10 "a later watchdog ping" watchdog_moved_from "$first"
}
watchdog_moved_from() {
    [[ $(sctl show -p WatchdogTimestampMonotonic --value hellod.service) != "$1" ]]
}

b_setup() {
    sctl stop hellod.socket hellod.service || return 1
    sctl reset-failed hellod.socket hellod.service  # what scenario A left, if it failed
    expect_state hellod.service inactive/dead/success || return 1
    write_config
}

b_status_text() {
    local text
    text=$(sctl show -p StatusText --value hellod.service) || return 1
    [[ $text =~ ^[0-9]+\ sessions?\ open\;\ [0-9]+\ accepted,\ [0-9]+\ turned\ away\ since\ start$ ]] && return 0
    echo "StatusText is '$text'"
    return 1
}

# ---------------------------------------------------------------------------------------------
# Scenario C: hellod@ADDR:PORT.socket (Accept=yes), one hellod --inetd per connection

scenario_C() {
    local sock="hellod@127.0.0.1:$PORT_C.socket"
    mark_journal C || return 1
    step "C: config written" write_config || return 1
    step "C: systemctl start $sock" sctl start "$sock" || return 1
    step "C: $sock listening" expect_state "$sock" active/listening/success || return 1
    step "C: nc transcript byte-exact through a per-connection hellod" \
        converse "$PORT_C" 'Welcome!' || return 1
    step "C: the session's unit ended successfully" c_session_ended
    step "C: the session's journal has the access line at priority info" \
        wait_journal 10 '^access peer=127\.0\.0\.1:[0-9]+ .*end=exit' -u 'hellod@*.service' -p info..info
    step "C: no access line at priority warning or above" no_access_at_warning 'hellod@*.service'
    step "C: systemctl stop $sock" sctl stop "$sock"
    step "C: $sock ended inactive" expect_state "$sock" inactive/dead/success
}

# The instance is "N-127.0.0.1:PORT-127.0.0.1:PEERPORT". hellod@.service has
# CollectMode=inactive-or-failed, so the unit is gone once it ended: its end is read from
# systemd's own journal lines ("Deactivated successfully" is logged for result success).
c_session_ended() {
    local re="hellod@[0-9]+-127\\.0\\.0\\.1:$PORT_C-127\\.0\\.0\\.1:[0-9]+\\.service"
    wait_journal 15 "$re: Deactivated successfully" -u 'hellod@*.service' || return 1
    if journal -u 'hellod@*.service' | grep -E "$re: (Failed|Main process exited)"; then
        return 1
    fi
    local got
    got=$(sctl show -p NAccepted -p NConnections "hellod@127.0.0.1:$PORT_C.socket" | sort | paste -sd' ')
    [[ $got == 'NAccepted=1 NConnections=0' ]] || {
        echo "the socket says: $got"
        return 1
    }
}

# ---------------------------------------------------------------------------------------------
# The end

diagnostics() {
    echo "# ---- journal of the container (last 80 lines) ----"
    cx journalctl -b --no-pager | tail -n 80 | sed 's/^/# /'
    echo "# ---- systemctl status ----"
    sctl status --lines=10 hellod.socket hellod.service 'hellod@*' 2>&1 | sed 's/^/# /'
}

# ---------------------------------------------------------------------------------------------
# Set-up: base image, staged install, image, container

t=$SECONDS
ensure_base_image || fatal "no base image $CT_BASE_IMAGE (see the messages above)"
timing "base image" $((SECONDS - t))

t=$SECONDS
mkdir -p "$STAGE" || fatal "cannot create $STAGE"
# The units name the binary and the config by the paths configured in the build, so the
# stage uses the build's own prefix; it has to be one on systemd's unit path.
PREFIX=$(sed -n 's/^CMAKE_INSTALL_PREFIX:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")
if [[ $PREFIX != /usr/local && $PREFIX != /usr ]]; then
    echo "skipped: the build installs to $PREFIX; this test needs /usr/local or /usr (systemd's unit path)"
    exit 77
fi
DESTDIR=$STAGE timeout 120 cmake --install "$BUILD_DIR" >"$TMP/install.log" 2>&1 ||
    fatal "cmake --install $BUILD_DIR failed: $(tail -c 600 "$TMP/install.log")"
HELLOD_BIN=$(find "$STAGE" -type f -name hellod -perm -u+x | head -n 1)
[[ -n $HELLOD_BIN ]] || fatal "cmake --install staged no hellod binary"

# The units, as installed (systemd/ in the source tree).
UNIT_DIR=$(find "$STAGE" -path '*/systemd/system/hellod.service' -printf '%h\n' | head -n 1)
[[ -n $UNIT_DIR ]] || fatal "cmake --install staged no hellod.service"
# The container shares the host's network: nothing may listen on the units' own port (9999)
# there. Presets apply at a first boot; these keep every hellod unit disabled.
mkdir -p "$STAGE/etc/systemd/system-preset"
printf 'disable hellod.socket\ndisable hellod.service\ndisable hellod@.socket\n' \
    >"$STAGE/etc/systemd/system-preset/00-hellod-test.preset"
for unit in hellod.service hellod.socket hellod@.service hellod@.socket; do
    [[ -f $UNIT_DIR/$unit ]] || fatal "the install has no $unit (looked in ${UNIT_DIR#"$STAGE"})"
done
# The config file the units read.
CONF=$(sed -n 's/^ExecStart=.*--config[= ]\([^ ]*\).*/\1/p' "$UNIT_DIR/hellod.service" | head -n 1)
[[ $CONF == /* ]] || fatal "cannot find --config FILE in hellod.service's ExecStart"
[[ -f $STAGE$CONF ]] || fatal "the install has no $CONF, which hellod.service reads"
EXEC=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$UNIT_DIR/hellod.service" | head -n 1)
[[ $STAGE$EXEC -ef $HELLOD_BIN ]] || fatal "hellod.service runs $EXEC, but the install put hellod at ${HELLOD_BIN#"$STAGE"}"

# What the image needs besides systemd, as Debian packages found with dpkg -S on this machine
# (which built hellod): the libraries hellod links (ldd), and the programs the units run
# other than hellod itself (ExecReload's /bin/kill is in procps, which a full Debian has
# but minbase and the slim images do not).
owner_package() {
    dpkg -S "$1" 2>/dev/null || dpkg -S "$(realpath "$1")" 2>/dev/null || echo "UNKNOWN:$1"
}
RUNTIME_PACKAGES=$(
    {
        ldd "$HELLOD_BIN" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'
        sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\(\/[^ ]*\).*/\1/p' "$UNIT_DIR"/hellod*.service |
            while read -r program; do [[ -e $STAGE$program ]] || echo "$program"; done
    } | sort -u | while read -r file; do owner_package "$file"; done |
        sed '/^UNKNOWN:/!s/:.*//' | sort -u | tr '\n' ' '
)
[[ $RUNTIME_PACKAGES == *UNKNOWN* ]] &&
    fatal "no Debian package has these files hellod or its units need: $RUNTIME_PACKAGES"
timing "staged install" $((SECONDS - t))
ct_log "runtime packages: $RUNTIME_PACKAGES"

cat >"$TMP/ctx/Containerfile" <<EOF
FROM $CT_BASE_IMAGE
RUN apt-get update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
      systemd systemd-sysv netcat-openbsd $RUNTIME_PACKAGES ${HELLOD_CT_EXTRA_PACKAGES:-} >/dev/null \\
 && rm -rf /var/lib/apt/lists/*
COPY stage/ /
EOF

t=$SECONDS
PM_TIMEOUT=600 pm build "${PM_BUILD_FLAGS[@]}" "${CT_LABELS[@]}" \
    -t "$IMAGE" -f "$TMP/ctx/Containerfile" "$TMP/ctx" >"$TMP/build.log" 2>&1 ||
    fatal "podman build failed: $(tail -c 1500 "$TMP/build.log")"
timing "image build" $((SECONDS - t))
image_size() { PM_TIMEOUT=30 pm image inspect -f '{{.Size}}' "$1"; }
IMAGE_BYTES=$(image_size "$IMAGE")
ct_log "image $IMAGE: $(numfmt --to=si "$IMAGE_BYTES") in all, of which the layers on" \
    "top of the base add $(numfmt --to=si $((IMAGE_BYTES - $(image_size "$CT_BASE_IMAGE"))))"

if ! { PORT_A=$(ct_free_port) && PORT_B=$(ct_free_port) && PORT_C=$(ct_free_port); }; then
    fatal "no free ports"
fi

t=$SECONDS
# systemd as PID 1, with the capabilities its sandboxing needs: see PM_SYSTEMD_RUN_FLAGS.
pm run -d --name "$CT" "${CT_LABELS[@]}" \
    "${PM_SYSTEMD_RUN_FLAGS[@]}" "${PM_RUN_FLAGS[@]}" \
    "$IMAGE" /sbin/init >"$TMP/run.log" 2>&1 ||
    fatal "podman run failed: $(tail -c 1000 "$TMP/run.log")"
CONTAINER_UP=1
system_up() {
    local s
    s=$(cx systemctl is-system-running 2>/dev/null)
    [[ $s == running || $s == degraded ]]
}
ct_wait 60 "systemd in $CT to finish booting" system_up ||
    fatal "systemd did not reach running or degraded in 60s: $(cx systemctl is-system-running 2>&1)"
timing "container boot" $((SECONDS - t))
if [[ $(cx systemctl is-system-running) == degraded ]]; then
    ct_log "systemd is degraded; failed units: $(sctl --failed --plain --no-legend | awk '{ print $1 }' | paste -sd' ')"
fi
expect_out inactive cx systemctl is-active hellod.socket >"$TMP/check.log" 2>&1 ||
    fatal "hellod.socket is running after boot (it would listen on the host's port 9999)"
# systemd unloads a stopped unit nothing refers to, and with it the Result and exit status
# that clean_exit reads; a Wants= from multi-user.target (already active) keeps it loaded.
sctl add-wants multi-user.target hellod.service >"$TMP/add-wants.log" 2>&1 ||
    fatal "systemctl add-wants multi-user.target hellod.service: $(cat "$TMP/add-wants.log")"
ct_log "ports: A $PORT_A, B $PORT_B, C $PORT_C; config $CONF; units from ${UNIT_DIR#"$STAGE"}"

for scenario in A B C; do
    [[ $ONLY == *$scenario* ]] || continue
    t=$SECONDS
    "scenario_$scenario" || true
    timing "scenario $scenario" $((SECONDS - t))
done

finish
