#!/usr/bin/env bash
# The Dockerfile, built and run for real with podman: usage image.sh SOURCE_DIR
#
# Builds the image from SOURCE_DIR exactly as `docker build .` would (the same Dockerfile and
# .dockerignore; podman stands in for the Docker engine these machines lack, see
# shared/notes/containers.md), then checks:
#
#   the image   what its layers add to the base (under 15 MB), non-root numeric USER, exec-form
#               ENTRYPOINT, STOPSIGNAL, EXPOSE, HEALTHCHECK, the OCI labels (version = CMake's),
#               no build tools, every library the binary needs present, every interface by
#               default, and a build context holding only what .dockerignore lets in
#   A           the defaults: the nc transcript byte-exact, `podman healthcheck run` healthy,
#               hellod is PID 1 as uid 10001 without capabilities, logs on stderr only, the
#               probe fails (exit 1) against a port nobody serves; then `podman stop` with two
#               sessions open: both get the shutdown line, exit status 0, well before the timeout
#   B           HELLOD_WELCOME over a mounted config file, JSON logs, a read-only root file
#               system and no capabilities at all: the welcome from the environment, the
#               farewell from the file, healthy, and every log line one JSON object
#
# Environment:
#   HELLOD_CT_KEEP=1     keep containers, images and files at the end (prints where)
#   HELLOD_CT_LAYERS=1   build with podman's layer cache (faster reruns; the cache stays)
#
# Prints "ok - ..." or "FAIL - ...: why" per check and "N passed, N failed" at the end; exits 1
# when a check failed, 77 (skipped) when podman, root or another tool is missing. Every step is
# bounded; waits poll a condition. Containers and images are removed at exit, also on failure,
# timeout and Ctrl-C; the base image stays as a cache (see lib.sh).
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2317  # functions run through step and ct_wait look unreachable
set -u -o pipefail

if (($# != 1)); then
    echo "usage: $0 SOURCE_DIR" >&2
    exit 2
fi
SOURCE_DIR=$(realpath -- "$1") || exit 2
export LC_ALL=C

# shellcheck source=lib.sh
source "$SOURCE_DIR/tests/containers/lib.sh"
ct_require_tools podman runc debootstrap flock nc socat jq timeout od cmp numfmt

T_START=$SECONDS
RUN_ID="$$-$RANDOM"
IMAGE="localhost/hellod-image-test:$RUN_ID"
CONTEXT_IMAGE="localhost/hellod-context-test:$RUN_ID"
CT_A="hellod-image-a-$RUN_ID"
CT_B="hellod-image-b-$RUN_ID"
TMP=$(ct_tmpdir) || exit 2
# shellcheck source=checks.sh
source "$SOURCE_DIR/tests/containers/checks.sh"

ct_own "$TMP" "$CT_A $CT_B" "$CONTEXT_IMAGE $IMAGE"

BUILD_FLAGS=("${PM_BUILD_FLAGS[@]}" "${CT_LABELS[@]}")
if [[ ${HELLOD_CT_LAYERS:-} == 1 ]]; then
    BUILD_FLAGS+=(--layers=true)
else
    BUILD_FLAGS+=(--layers=false)  # nothing of the build stage is left behind
fi

inspect() { PM_TIMEOUT=30 pm image inspect -f "$1" "$IMAGE"; }

# ---------------------------------------------------------------------------------------------
# The image itself

added_under_15mb() {
    local image base
    image=$(PM_TIMEOUT=30 pm image inspect -f '{{.Size}}' "$IMAGE") || return 1
    base=$(PM_TIMEOUT=30 pm image inspect -f '{{.Size}}' "$CT_BASE_IMAGE") || return 1
    ADDED=$((image - base))
    PM_TIMEOUT=30 pm history "$IMAGE"
    echo "the layers add $ADDED bytes"
    ((ADDED < 15 * 1000 * 1000))
}

non_root_user() {
    local user
    user=$(inspect '{{.Config.User}}') || return 1
    # Numeric, so that a runtime can tell it is not root without reading /etc/passwd.
    [[ $user =~ ^([0-9]+)(:[0-9]+)?$ && ${BASH_REMATCH[1]} != 0 ]] && return 0
    echo "USER is '$user'"
    return 1
}

image_config() {
    expect_out '["/usr/sbin/hellod"]' inspect '{{json .Config.Entrypoint}}' || return 1
    local cmd
    cmd=$(inspect '{{json .Config.Cmd}}') || return 1
    [[ $cmd == null || $cmd == '[]' ]] || {
        echo "CMD is $cmd: it would become hellod's arguments"
        return 1
    }
    expect_out SIGTERM inspect '{{.Config.StopSignal}}' || return 1
    expect_out '{"9999/tcp":{},"9999/udp":{}}' inspect '{{json .Config.ExposedPorts}}' || return 1
    expect_out '["CMD","/usr/sbin/hellod","--probe"]' inspect '{{json .Config.Healthcheck.Test}}'
}

oci_labels() {
    local labels key version
    labels=$(inspect '{{json .Config.Labels}}') || return 1
    for key in title description version licenses; do
        jq -e --arg k "org.opencontainers.image.$key" '.[$k] | type == "string" and length > 0' \
            <<<"$labels" >/dev/null || {
            echo "no label org.opencontainers.image.$key in $labels"
            return 1
        }
    done
    version=$(sed -n 's/^project(hellod VERSION \([0-9.]*\).*/\1/p' "$SOURCE_DIR/CMakeLists.txt")
    expect_out "$version" jq -r '.["org.opencontainers.image.version"]' <<<"$labels" || return 1
    expect_out "$SOURCE" jq -r '.["org.opencontainers.image.source"]' <<<"$labels"
}

run_once() { PM_TIMEOUT=60 pm run --rm "${PM_RUN_FLAGS[@]}" "${CT_LABELS[@]}" "$@"; }

# The runtime stage has the binary's libraries and nothing of the build stage.
runtime_only() {
    local out
    # shellcheck disable=SC2016  # expanded by the container's sh
    out=$(run_once --entrypoint /bin/sh "$IMAGE" -c \
        'ldd /usr/sbin/hellod; for t in g++ gcc cmake make; do command -v $t; done') || true
    echo "$out"
    ! grep -q 'not found' <<<"$out" && ! grep -qE '/(g\+\+|gcc|cmake|make)$' <<<"$out" &&
        grep -q 'libc.so' <<<"$out"
}

# With no settings but the image's own, hellod listens on every interface.
every_interface_by_default() {
    local out
    out=$(run_once "$IMAGE" --print-config) || return 1
    grep -qx 'listen = \*:9999' <<<"$out" && return 0
    echo "$out"
    return 1
}

# What a build would see of SOURCE_DIR: exactly what .dockerignore lets in.
context_is_clean() {
    printf 'FROM %s\nCOPY . /context/\n' "$CT_BASE_IMAGE" >"$TMP/context.Dockerfile"
    PM_TIMEOUT=300 pm build "${BUILD_FLAGS[@]}" -q -f "$TMP/context.Dockerfile" \
        -t "$CONTEXT_IMAGE" "$SOURCE_DIR" >"$TMP/context-build.log" 2>&1 || {
        tail -c 1000 "$TMP/context-build.log"
        return 1
    }
    local top
    top=$(run_once --entrypoint /bin/sh "$CONTEXT_IMAGE" -c 'cd /context && ls -A | sort | paste -sd" "')
    expect_out 'CMakeLists.txt LICENSE config daemon docs systemd' echo "$top" || return 1
    # Of docs/, only the man page, which the install step needs.
    local docs
    docs=$(run_once --entrypoint /bin/ls "$CONTEXT_IMAGE" /context/docs)
    expect_out 'hellod.8' echo "$docs" || return 1
    # Nothing from a build tree or an editor inside the directories let in.
    local stray
    stray=$(run_once --entrypoint /bin/sh "$CONTEXT_IMAGE" -c \
        'find /context -name "*.o" -o -name "*~" -o -name "*.swp" -o -name CMakeCache.txt')
    [[ -z $stray ]] || {
        echo "stray files in the context: $stray"
        return 1
    }
}

# ---------------------------------------------------------------------------------------------
# Running containers

# start NAME LOGFILE RUN-ARGS... : podman run -d, logging to LOGFILE in Kubernetes' format
# ("<time> stdout|stderr F <line>"), which tells the container's stdout from its stderr.
start() {
    local name=$1 log=$2
    shift 2
    PM_TIMEOUT=60 pm run -d --name "$name" "${CT_LABELS[@]}" "${PM_RUN_FLAGS[@]}" \
        --log-driver k8s-file --log-opt "path=$log" "$@" >"$TMP/$name.run" 2>&1 || {
        tail -c 1000 "$TMP/$name.run"
        return 1
    }
    CONTAINER_UP=1
    # podman's complaints that it cannot ask systemd for healthcheck timers are harmless here:
    # the tests run the healthcheck themselves.
    ct_wait 30 "$name's start-up line" grep -q 'listening on' "$log" || {
        echo "log: $(tail -c 1000 "$log")"
        return 1
    }
}

# logs_on_stderr LOGFILE: the container wrote lines, all of them to stderr.
logs_on_stderr() {
    local log=$1
    grep -q ' stderr F .*listening on' "$log" || {
        echo "no start-up line on stderr: $(head -c 600 "$log")"
        return 1
    }
    if grep -v -E '^[^ ]+ stderr F ' "$log"; then
        # P marks a line that reached the pipe in pieces: each log line must be one write(2),
        # or lines from two threads could interleave in a collector.
        echo "(lines above were not whole lines on stderr)"
        return 1
    fi
}

# The health check must be able to fail: exit 1 (Docker's "unhealthy") and one sentence.
probe_can_fail() {
    local rc
    PM_TIMEOUT=30 pm exec "$1" /usr/sbin/hellod --probe 127.0.0.1:1 >"$TMP/probe.out" 2>"$TMP/probe.err"
    rc=$?
    cat "$TMP/probe.out" "$TMP/probe.err"
    ((rc == 1)) && grep -qx 'hellod at 127.0.0.1:1 is not healthy: cannot connect: Connection refused' "$TMP/probe.err"
}

# stop_quickly NAME: podman stop (timeout 10 s) returns within 3 s and the exit status is 0.
stop_quickly() {
    local t0 ms code
    t0=${EPOCHREALTIME/[.,]/}
    PM_TIMEOUT=30 pm stop -t 10 "$1" >/dev/null || return 1
    ms=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
    code=$(PM_TIMEOUT=30 pm inspect -f '{{.State.ExitCode}}' "$1") || return 1
    echo "podman stop took $ms ms; exit status $code"
    STOP_MS=$ms
    ((ms < 3000 && code == 0))
}

# json_logs LOGFILE: every line hellod wrote is one JSON object with time, level and message,
# and the access line of the transcript has its fields with the session's values.
json_logs() {
    local log=$1 lines
    lines=$(sed -E 's/^[^ ]+ stderr F //' "$log") || return 1
    jq -e -s 'length > 0 and all(.[]; type == "object" and (.time | type == "string")
        and (.level | type == "string") and (.message | type == "string"))' <<<"$lines" >/dev/null || {
        echo "not all lines are JSON objects with time, level and message: $(head -c 800 <<<"$lines")"
        return 1
    }
    # The last conversation's figures: what converse sent and received.
    local sent received
    # shellcheck disable=SC2059
    sent=$(printf "$TRANSCRIPT_IN" | wc -c)
    received=$(wc -c <"$TMP/got")
    jq -e -s --argjson in "$sent" --argjson out "$received" 'any(.[]; .message == "access"
        and (.peer | test("^127\\.0\\.0\\.1:[0-9]+$")) and (.duration | type == "number")
        and .lines == 5 and .bytes_in == $in and .bytes_out == $out and .end == "exit")' \
        <<<"$lines" >/dev/null && return 0
    echo "no access line for the transcript: $(grep access <<<"$lines" | head -c 800)"
    return 1
}

# one_access_line LOGFILE: after the stop, one access line, and no probe's (they are debug).
one_access_line() {
    local access
    access=$(grep -c '"message":"access"' "$1")
    ((access == 1)) && ! grep -q '"probe"' "$1" && return 0
    echo "$access access lines: $(grep '"message":"access"' "$1" | head -c 800)"
    return 1
}

diagnostics() {
    local log
    for log in "$TMP"/*.log; do
        [[ -f $log ]] || continue
        echo "# ---- $log (last 20 lines) ----"
        tail -n 20 "$log" | sed 's/^/# /'
    done
}

# ---------------------------------------------------------------------------------------------
# Set-up

t=$SECONDS
ensure_base_image || fatal "no base image $CT_BASE_IMAGE (see the lines above)"
timing "base image" $((SECONDS - t))

t=$SECONDS
REVISION=$(git -C "$SOURCE_DIR" rev-parse HEAD 2>/dev/null || echo unknown)
# Where this tree came from, as a release pipeline would pass it (the image has no default).
SOURCE=$(git -C "$SOURCE_DIR" remote get-url origin 2>/dev/null || echo "file://$SOURCE_DIR")
PM_TIMEOUT=1200 pm build "${BUILD_FLAGS[@]}" --build-arg "REVISION=$REVISION" \
    --build-arg "SOURCE=$SOURCE" \
    -t "$IMAGE" "$SOURCE_DIR" >"$TMP/build.out" 2>&1 ||
    fatal "podman build failed: $(tail -c 2000 "$TMP/build.out")"
timing "image build" $((SECONDS - t))

step "the image's layers add under 15 MB to the base" added_under_15mb
ct_log "the image's layers add $(numfmt --to=si "${ADDED:-0}")B to the base"
step "USER is a numeric non-root uid" non_root_user
step "exec-form ENTRYPOINT, no CMD, STOPSIGNAL SIGTERM, EXPOSE 9999, HEALTHCHECK hellod --probe" \
    image_config
step "OCI labels: title, description, version (CMake's), source, licenses" oci_labels
step "the binary's libraries are all there, the build tools are not" runtime_only
step "listens on every interface by default (--print-config)" every_interface_by_default
step ".dockerignore: the build context holds only what the build reads" context_is_clean

if ! { PORT_A=$(ct_free_port) && PORT_B=$(ct_free_port) && PORT_M=$(ct_free_port); }; then
    fatal "no free ports"
fi

# ---------------------------------------------------------------------------------------------
# A: the defaults (the port moved with HELLOD_LISTEN: the host's network is shared)

t=$SECONDS
if step "A: podman run; hellod starts" start "$CT_A" "$TMP/a.log" -e "HELLOD_LISTEN=*:$PORT_A" "$IMAGE"; then
    step "A: nc transcript byte-exact" converse "$PORT_A" 'Welcome!'
    step "A: podman healthcheck run: healthy" healthy "$CT_A"
    step "A: hellod is PID 1, uid/gid 10001, no capabilities" pid1_non_root "$CT_A"
    step "A: logs on stderr, whole lines, nothing on stdout" logs_on_stderr "$TMP/a.log"
    step "A: the probe fails (exit 1, one sentence) where nothing answers" probe_can_fail "$CT_A"
    step "A: two sessions are open when the stop begins" hold_session s1 "$PORT_A" 'Welcome!' &&
        step "A: ... and a second" hold_session s2 "$PORT_A" 'Welcome!'
    step "A: podman stop: exit status 0 within 3 s (timeout 10 s)" stop_quickly "$CT_A" &&
        ct_log "podman stop with two sessions open took $STOP_MS ms"
    step "A: the first open session got the shutdown line, then the close" \
        held_session_told s1 'Welcome!'
    step "A: the second too" held_session_told s2 'Welcome!'
fi
timing "container A" $((SECONDS - t))

# ---------------------------------------------------------------------------------------------
# B: a mounted config, HELLOD_WELCOME over it, JSON logs, locked down

t=$SECONDS
printf 'listen = *:%s\nmetrics-listen = 127.0.0.1:%s\nwelcome = From the file\nfarewell = See you\n' \
    "$PORT_B" "$PORT_M" >"$TMP/hellod.conf"
chmod 644 "$TMP/hellod.conf"
if step "B: podman run with a mounted config, --read-only, --cap-drop ALL" \
    start "$CT_B" "$TMP/b.log" -v "$TMP/hellod.conf:/etc/hellod/hellod.conf:ro" \
    -e 'HELLOD_WELCOME=Hi from the environment' -e HELLOD_LOG_FORMAT=json \
    --read-only --cap-drop ALL --security-opt no-new-privileges "$IMAGE"; then
    step "B: welcome from HELLOD_WELCOME, farewell from the file, byte-exact" \
        converse "$PORT_B" 'Hi from the environment' 'See you'
    step "B: GET /metrics from the host: the session counted, a page promtool accepts" \
        metrics_served "$PORT_M"
    step "B: podman healthcheck run: healthy (the probe reads the same settings)" healthy "$CT_B"
    step "B: the health check is a probe session, not in the traffic's counts" \
        probes_apart "$PORT_M"
    step "B: podman stop: exit status 0 within 3 s" stop_quickly "$CT_B"
    step "B: every log line is a JSON object; the access line has the session's figures" \
        json_logs "$TMP/b.log"
    step "B: the health checks wrote no access line at info: the transcript's is the only one" \
        one_access_line "$TMP/b.log"
fi
timing "container B" $((SECONDS - t))

finish
