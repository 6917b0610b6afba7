#!/usr/bin/env bash
# The install rules, the systemd units and the man page, checked without a running systemd:
# a DESTDIR install, `systemd-analyze verify`, the `systemd-analyze security` exposure
# scores, the man page's rendering and coverage of the options, and the units' ExecStart
# lines against the binary. Running the units under a real systemd is the container test's
# job.
#
# usage: units.sh CMAKE BUILD_DIR HELLOD SOURCE_DIR
# Ends with "N passed, N failed" (", N skipped" when a case cannot run here, with the reason
# on its own line); exits 1 when anything failed.
set -u

if [ $# -ne 4 ]; then
    echo "usage: $0 CMAKE BUILD_DIR HELLOD SOURCE_DIR" >&2
    exit 2
fi
cmake=$1 build=$2 hellod=$3 source=$4

# The ceilings the issue sets for `systemd-analyze security --offline=yes`.
service_ceiling=1.1
instance_ceiling=0.3
# A name systemd gives an Accept=yes instance: <n>-<local address>:<port>-<peer>:<port>.
instance=hellod@1-127.0.0.1:9998-127.0.0.1:40000.service

passed=0 failed=0 skipped=0
pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }
skip() { skipped=$((skipped + 1)); echo "skipped: $1"; echo "  reason: $2"; }
# Shows a command's captured output under a failure, indented.
show() { sed 's/^/    | /' "$1"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/hellod-units.XXXXXX") || exit 1
# Readable by the unit user the ExecStart check runs as (section 5).
chmod 0755 "$work"
trap 'rm -rf "$work"' EXIT

# HELLOD_SBINDIR, HELLOD_CONFDIR, HELLOD_SYSTEMD_UNITDIR, HELLOD_MANDIR, HELLOD_DOCDIR: the
# paths this build installs to, as systemd/CMakeLists.txt computed them.
# shellcheck source=/dev/null
. "$build/systemd/install-paths.sh" || exit 1
stage=$work/stage
units=$stage$HELLOD_SYSTEMD_UNITDIR
conf=$stage$HELLOD_CONFDIR/hellod.conf
man_page=$stage$HELLOD_MANDIR/man8/hellod.8

for tool in systemd-analyze groff; do
    if ! command -v "$tool" >/dev/null; then
        echo "FAIL: $tool is not installed (make deps installs it)"
        echo "0 passed, 1 failed"
        exit 1
    fi
done

# --- 1. install ------------------------------------------------------------------------------

install_into_stage() {
    DESTDIR=$stage timeout 120 "$cmake" --install "$build" >"$work/install.out" 2>&1
}

if install_into_stage; then
    missing=""
    for f in "$stage$HELLOD_SBINDIR/hellod" "$conf" "$man_page" \
        "$stage$HELLOD_DOCDIR/examples/hellod.conf" \
        "$units/hellod.service" "$units/hellod.socket" \
        "$units/hellod@.service" "$units/hellod@.socket"; do
        [ -f "$f" ] || missing="$missing ${f#"$stage"}"
    done
    if [ -n "$missing" ]; then
        fail "install: missing$missing"
        show "$work/install.out"
    elif [ ! -x "$stage$HELLOD_SBINDIR/hellod" ]; then
        fail "install: $HELLOD_SBINDIR/hellod is not executable"
    else
        pass "install: binary, config, example config, units and man page in place"
    fi
else
    fail "install: DESTDIR=... cmake --install failed"
    show "$work/install.out"
fi

if cmp -s "$source/config/hellod.conf" "$conf"; then
    pass "install: the config is the shipped one"
else
    fail "install: $HELLOD_CONFDIR/hellod.conf differs from config/hellod.conf"
fi

# The units run under a DynamicUser that owns nothing, so the config must be readable by all.
if [ -f "$conf" ] && [ $(($(stat -c '0%a' "$conf") & 4)) -ne 0 ]; then
    pass "install: the config is readable by others ($(stat -c '%a' "$conf"))"
else
    fail "install: the config is not readable by others, the units' dynamic user cannot read it"
fi

if grep -q '@[A-Z_]*@' "$units"/*; then
    fail "install: unsubstituted @VARIABLES@ in the installed units"
    grep -n '@[A-Z_]*@' "$units"/* | sed 's/^/    | /'
elif grep -q "^ExecStart=$HELLOD_SBINDIR/hellod .*--config $HELLOD_CONFDIR/hellod.conf" \
    "$units/hellod.service" && grep -q "^ExecStart=$HELLOD_SBINDIR/hellod --inetd " \
    "$units/hellod@.service"; then
    pass "install: the units name the installed binary and config"
else
    fail "install: the units' ExecStart does not name $HELLOD_SBINDIR/hellod and $HELLOD_CONFDIR"
    grep -H '^ExecStart=' "$units"/*.service | sed 's/^/    | /'
fi

# An admin's edit survives a reinstall; the example stays the shipped file.
echo 'welcome = Edited by the admin' >>"$conf"
if install_into_stage && grep -q '^welcome = Edited by the admin$' "$conf"; then
    if grep -q "Kept: $conf" "$work/install.out" &&
        cmp -s "$source/config/hellod.conf" "$stage$HELLOD_DOCDIR/examples/hellod.conf"; then
        pass "install: a second install keeps the edited config and says so"
    else
        fail "install: the second install did not say it kept the config, or changed the example"
        show "$work/install.out"
    fi
else
    fail "install: a second install overwrote the edited config"
    show "$work/install.out"
fi
# The remaining cases read the shipped settings.
cp "$source/config/hellod.conf" "$conf"

# The units name the configured prefix, so an install to another one is refused, before the
# config or a unit is written. (DESTDIR keeps this case inside the temp dir even if it is not.)
if DESTDIR=$work/other timeout 120 "$cmake" --install "$build" --prefix /elsewhere \
    >"$work/other.out" 2>&1; then
    fail "install: --prefix /elsewhere was not refused"
elif grep -q 'reconfigure with -DCMAKE_INSTALL_PREFIX=/elsewhere' "$work/other.out" &&
    [ ! -e "$work/other$HELLOD_CONFDIR" ] && [ ! -e "$work/other$HELLOD_SYSTEMD_UNITDIR" ]; then
    pass "install: --prefix other than the configured one is refused, nothing of it written"
else
    fail "install: --prefix /elsewhere failed otherwise than expected"
    show "$work/other.out"
fi

# --- 2. systemd-analyze verify ---------------------------------------------------------------
#
# verify loads a unit the way PID 1 would, and checks among other things that ExecStart's
# binary exists and is executable and that Documentation=man: pages open. systemd 252's
# `verify --root=STAGE` resolves everything inside STAGE, where systemd's own units
# (sysinit.target) and /bin/kill are missing, so it cannot pass on a staging tree. Instead the
# units are verified in copies whose installed paths point into the stage, with the stage's
# man pages on MANPATH. Templates: a socket template alone is instantiated as "i", which is
# no address, so hellod@.socket is verified as the instance hellod@9998.socket; that also
# proves the Accept=yes naming, since verify then loads the service template it would start
# (hellod@internal.service, from the socket's prefix "hellod"). The service is verified
# under a real Accept=yes instance name, through verify's FILE:NAME argument form, because
# in a plain argument the name's own colons would be read as that form's separator.

verify_dir=$work/verify
mkdir -p "$verify_dir"
for f in "$units"/*; do
    sed -e "s|$HELLOD_SBINDIR/hellod|$stage$HELLOD_SBINDIR/hellod|g" \
        -e "s|$HELLOD_CONFDIR/|$stage$HELLOD_CONFDIR/|g" "$f" >"$verify_dir/${f##*/}"
done
cp "$verify_dir/hellod@.socket" "$verify_dir/hellod@9998.socket"

man_option=--man=yes
if ! command -v man >/dev/null; then
    man_option=--man=no
    skip "verify: Documentation=man:hellod(8)" "man(1) is not installed"
fi

# Passes when verify exits 0 and prints nothing at all.
verify() {
    local label=$1
    shift
    if (cd "$verify_dir" && MANPATH=$stage$HELLOD_MANDIR timeout 60 \
        systemd-analyze verify "$man_option" "$@") >"$work/verify.out" 2>&1 &&
        [ ! -s "$work/verify.out" ]; then
        pass "verify: $label"
    else
        fail "verify: $label"
        show "$work/verify.out"
    fi
}
verify hellod.service ./hellod.service
verify hellod.socket ./hellod.socket
verify "hellod@9998.socket (its service template hellod@.service loads)" ./hellod@9998.socket
verify "$instance" "./hellod@.service:$instance"

# verify must be able to fail here: a unit whose binary is not there.
sed 's|^ExecStart=[^ ]*|ExecStart=/nonexistent/hellod|' "$verify_dir/hellod.service" \
    >"$verify_dir/broken.service"
if (cd "$verify_dir" && timeout 60 systemd-analyze verify --man=no ./broken.service) \
    >"$work/verify.out" 2>&1; then
    fail "verify: a unit with a missing ExecStart binary passed; verify checks nothing here"
    show "$work/verify.out"
else
    pass "verify: a unit with a missing ExecStart binary fails (the check can fail)"
fi

# --- 3. exposure scores ----------------------------------------------------------------------

# Prints the overall exposure of the unit file $1 ("1.1"), or nothing.
exposure() {
    timeout 60 systemd-analyze security --offline=yes "$1" 2>"$work/security.err" |
        awk 'match($0, /Overall exposure level for [^ ]+: [0-9]+\.[0-9]+/) {
                 n = split(substr($0, RSTART, RLENGTH), w, " "); print w[n]; exit }'
}
at_most() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }

score_dir=$work/score
mkdir -p "$score_dir"
cp "$units/hellod.service" "$score_dir/hellod.service"
cp "$units/hellod@.service" "$score_dir/$instance"
printf '[Service]\nExecStart=/bin/true\n' >"$score_dir/bare.service"

check_exposure() {
    local unit=$1 ceiling=$2 score
    score=$(exposure "$score_dir/$unit")
    if [ -z "$score" ]; then
        fail "exposure: no score for $unit"
        show "$work/security.err"
    elif at_most "$score" "$ceiling"; then
        pass "exposure: $unit scores $score (at most $ceiling)"
    else
        fail "exposure: $unit scores $score, above $ceiling"
        (cd "$score_dir" && timeout 60 systemd-analyze security --offline=yes "./$unit" 2>&1 |
            grep '✗') | sed 's/^/    | /'
    fi
}
check_exposure hellod.service "$service_ceiling"
check_exposure "$instance" "$instance_ceiling"

# The comparison must be able to fail: an unhardened service scores far above the ceiling.
bare=$(exposure "$score_dir/bare.service")
if [ -n "$bare" ] && ! at_most "$bare" "$service_ceiling"; then
    pass "exposure: an unhardened service scores $bare, above $service_ceiling (the check can fail)"
else
    fail "exposure: an unhardened service scored '${bare}', not above $service_ceiling"
fi

# --- 4. the man page -------------------------------------------------------------------------

if [ ! -f "$man_page" ]; then
    fail "man page: not installed"
else
    if timeout 30 groff -man -ww -z "$man_page" >"$work/groff.out" 2>&1 && [ ! -s "$work/groff.out" ]; then
        pass "man page: groff -man -ww renders it without warnings"
    else
        fail "man page: groff -man -ww warns"
        show "$work/groff.out"
    fi
    if command -v man >/dev/null; then
        # man-db's own check, which also runs the page through preconv and tbl.
        if LC_ALL=C.UTF-8 MANWIDTH=80 timeout 30 man --warnings -l "$man_page" \
            2>"$work/man.err" >/dev/null && [ ! -s "$work/man.err" ]; then
            pass "man page: man --warnings renders it without warnings"
        else
            fail "man page: man --warnings warns"
            show "$work/man.err"
        fi
    fi

    # Every long option --help lists (the first column of its option lines), and --inetd,
    # which is meant for inetd and systemd rather than for the command line.
    timeout 10 groff -man -Tascii -P-cbou "$man_page" 2>/dev/null >"$work/man.txt"
    options=$(timeout 10 "$hellod" --help |
        sed -nE 's/^ +(-[A-Za-z] \[ )?--([a-z][a-z-]*).*/\2/p' | sort -u)
    count=$(echo "$options" | grep -c .)
    if [ "$count" -lt 10 ]; then
        fail "man page: found only $count options in hellod --help; its layout changed?"
    else
        absent=""
        for option in $options inetd; do
            grep -qE -- "--$option([^a-z-]|\$)" "$work/man.txt" || absent="$absent --$option"
        done
        if [ -z "$absent" ]; then
            pass "man page: names all $count options of --help and --inetd"
        else
            fail "man page: does not name$absent"
        fi
    fi

    # EXIT STATUS lists exactly the codes the daemon uses.
    codes=$(sed -nE 's/^inline constexpr int [a-z_]+ = ([0-9]+);.*/\1/p' \
        "$source/daemon/app/fatal_error.hpp" | sort -n | tr '\n' ' ' | sed 's/ $//')
    listed=$(awk '/^EXIT STATUS/ { on = 1; next } /^[A-Z]/ { on = 0 }
                  on && /^       [0-9]+ / { print $1 }' "$work/man.txt" | sort -n | tr '\n' ' ' | sed 's/ $//')
    if [ -n "$codes" ] && [ "$codes" = "$listed" ]; then
        pass "man page: EXIT STATUS lists the codes of app/fatal_error.hpp ($codes)"
    else
        fail "man page: EXIT STATUS lists '$listed', app/fatal_error.hpp has '$codes'"
    fi
fi

# --- 5. the units' command lines -------------------------------------------------------------
#
# Each ExecStart, with the installed paths pointing into the stage and --test-config added,
# must be accepted by the binary: the units name only options that exist, and the shipped
# config is valid. The environment is emptied, as systemd's is.

takes_inetd=no
timeout 10 "$hellod" --help | grep -q -- '--inetd' && takes_inetd=yes
for unit in hellod.service hellod@.service; do
    line=$(sed -n 's/^ExecStart=//p' "$verify_dir/$unit" 2>/dev/null)
    if [ -z "$line" ]; then
        fail "ExecStart of $unit: no unit or no ExecStart line"
        continue
    fi
    words=()
    # The units' ExecStart lines have no quoting, so words are blank-separated.
    for word in $line; do
        if [ "$word" = --inetd ] && [ "$takes_inetd" = no ]; then
            skip "ExecStart of $unit: --inetd" "this hellod does not accept --inetd yet; checked without it"
        else
            words+=("$word")
        fi
    done
    # As the unit's DynamicUser= would: -t predicts the start, and a root start without --user
    # is refused.
    as_unit_user=()
    [ "$(id -u)" = 0 ] && as_unit_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    if timeout 10 env -i PATH=/usr/bin:/bin "${as_unit_user[@]}" "${words[@]}" --test-config \
        >"$work/exec.out" 2>&1 &&
        grep -q 'settings are valid' "$work/exec.out"; then
        pass "ExecStart of $unit: the binary accepts it with the shipped config"
    else
        fail "ExecStart of $unit: ${words[*]} --test-config was refused"
        show "$work/exec.out"
    fi
done

# The limits in hellod.service fit the shipped settings: a descriptor and a thread per
# session, and a stop timeout longer than shutdown-timeout plus the 2 s lingering close.
settings=$(timeout 10 env -i "$hellod" --config "$conf" --print-config)
setting() { echo "$settings" | sed -n "s/^$1 = //p"; }
directive() { sed -n "s/^$1=//p" "$units/hellod.service"; }
max_connections=$(setting max-connections)
shutdown_timeout=$(setting shutdown-timeout)
nofile=$(directive LimitNOFILE)
tasks=$(directive TasksMax)
stop=$(directive TimeoutStopSec)
stop_seconds=$(timeout 10 systemd-analyze timespan "$stop" 2>/dev/null |
    sed -n 's/^ *μs: *\([0-9]*\)$/\1/p')
if [ -n "$max_connections" ] && [ "${nofile:-0}" -gt "$max_connections" ] &&
    [ "${tasks:-0}" -gt "$max_connections" ]; then
    pass "limits: LimitNOFILE=$nofile and TasksMax=$tasks exceed max-connections $max_connections"
else
    fail "limits: LimitNOFILE='$nofile' TasksMax='$tasks' for max-connections '$max_connections'"
fi
if [ -n "$stop_seconds" ] && [ -n "$shutdown_timeout" ] &&
    awk -v s="$stop_seconds" -v t="$shutdown_timeout" 'BEGIN { exit !(s / 1e6 > t + 2) }'; then
    pass "limits: TimeoutStopSec=$stop exceeds shutdown-timeout $shutdown_timeout s + 2 s linger"
else
    fail "limits: TimeoutStopSec='$stop' for shutdown-timeout '$shutdown_timeout'"
fi
undocumented=""
for unit in "$units"/*; do
    grep -q '^Documentation=man:hellod(8)$' "$unit" || undocumented="$undocumented ${unit##*/}"
done
if [ -z "$undocumented" ]; then
    pass "units: each has Documentation=man:hellod(8)"
else
    fail "units: no Documentation=man:hellod(8) in$undocumented"
fi

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
