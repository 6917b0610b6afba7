#!/usr/bin/env bash
# deploy/kubernetes/ run for real by `podman kube play`: usage kubernetes_play.sh SOURCE_DIR
#
# Builds the image from the Dockerfile (as tests/containers/image.sh does) and plays the
# documents kustomization.yaml lists, unedited but for two values kustomize would set
# (kubernetes_check.py play): the image, this run's build, and replicas 1. podman 4.3
# (Debian's) publishes every containerPort on the host, so a second replica on one machine
# could only fail on the port the first holds; on a cluster the Service spreads them.
#
#   up          the ConfigMap and the Deployment's pod start; hellod logs no warning, so its
#               own capacity check finds max-connections within the pod's memory limit and
#               within a pids limit of 4096 (a common podPidsLimit, set here for the pod)
#   probes      the livenessProbe, which podman runs as the container's healthcheck, reports
#               healthy; the readinessProbe's command, taken from the manifest, exits 0 in it
#   transcript  the README's nc transcript, byte-exact, through the published port 9999
#   config      `hellod --print-config` in the pod shows every setting the ConfigMap makes
#   hardening   PID 1 as uid/gid 10001, no capabilities, no_new_privs, a seccomp filter, a
#               read-only root file system, the memory limit from resources.limits
#   metrics     port 9100 serves the page, counting the transcript's session
#   stop        with a session open, the pod is stopped as the kubelet stops it: SIGTERM, and
#               SIGKILL after the manifest's terminationGracePeriodSeconds; the session gets
#               the shutdown line, hellod exits 0, well within the grace period
#   down        `podman kube play --down` removes the pod
#   rollout     a changed config/hellod.conf, through generate.sh, gives a pod template with
#               another checksum/config, and played again the pod greets with the new welcome
#
# What podman ignores is checked by kubernetes_manifests.sh against the API's schema instead:
# runAsNonRoot and seccompProfile (podman applies its own default seccomp profile, checked
# above), readinessProbe (run by hand above), terminationGracePeriodSeconds and preStop (the
# stop step passes the grace period itself: podman 4.3's --down stops a pod with a timeout of
# 0, SIGKILL at once, exit 137, so it comes after the stop), affinity, and the Service,
# PodDisruptionBudget, HorizontalPodAutoscaler and NetworkPolicy kinds.
#
# Needs root, podman, runc, catatonit (podman's pause image), debootstrap and
# python3-kubernetes, which `make test` installs; reports itself skipped (77) without them, or
# when ports 9999 or 9100 of this host are taken (podman publishes the pod's ports there).
# Prints "ok - ..." or "FAIL - ...: why" per check and "N passed, N failed". Every step is
# bounded; waits poll a condition. Pods, containers and the image are removed at exit, also on
# failure; HELLOD_CT_KEEP=1 keeps them, and HELLOD_CT_LAYERS=1 builds with podman's layer cache
# (quicker reruns; the cache stays).
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2317  # functions run through step and ct_wait look unreachable
set -u -o pipefail

if (($# != 1)); then
    echo "usage: $0 SOURCE_DIR" >&2
    exit 2
fi
SOURCE_DIR=$(realpath -- "$1") || exit 2
export LC_ALL=C

# shellcheck source=../containers/lib.sh
source "$SOURCE_DIR/tests/containers/lib.sh"
ct_require_tools podman runc catatonit debootstrap flock nc socat curl timeout od cmp
# Debian's python, which has python3-kubernetes (not a python earlier in PATH).
CHECK=(/usr/bin/python3 "$SOURCE_DIR/tests/deploy/kubernetes_check.py")
"${CHECK[@]}" ready || exit # 77, skipped, with the reason, without python3-kubernetes
# listening PORT: a TCP socket of this host listens on PORT (state 0A in /proc/net/tcp*).
listening() {
    local hex
    printf -v hex ':%04X' "$1"
    awk -v p="$hex" 'FNR > 1 && substr($2, length($2) - 4) == p && $4 == "0A" { found = 1 }
        END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
for port in 9999 9100; do
    if listening "$port"; then
        echo "skipped: port $port of this host is taken, and podman kube play publishes the pod's there"
        exit 77
    fi
done

T_START=$SECONDS
RUN_ID="$$-$RANDOM"
IMAGE="localhost/hellod-k8s-test:$RUN_ID"
POD=hellod-pod-0 # podman's name for the Deployment's first pod
CT=$POD-hellod   # and for its container
TMP=$(ct_tmpdir) || exit 2
# shellcheck source=../containers/checks.sh
source "$SOURCE_DIR/tests/containers/checks.sh"
MANIFESTS=$SOURCE_DIR/deploy/kubernetes

ct_own "$TMP" "" "$IMAGE"
# The pod is named by the manifest, not by this run: one left by a run killed outright goes.
remove_pod() { PM_TIMEOUT=60 pm pod rm -f "$POD" >/dev/null 2>&1 || true; }
remove_pod
[[ ${HELLOD_CT_KEEP:-} == 1 ]] || ct_on_exit remove_pod

# podman kube play takes no --ulimit: runc may not raise limits above this shell's (lib.sh), so
# the defaults come from a containers.conf of the test's own, with a pids limit as a kubelet sets.
cat >"$TMP/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$CT_NOFILE:$CT_NOFILE", "nproc=$CT_NPROC:$CT_NPROC"]
pids_limit = 4096
EOF
export CONTAINERS_CONF=$TMP/containers.conf

manifest() { "${CHECK[@]}" get "$MANIFESTS" "deployment.spec.template.spec.$1"; }
container_log() { PM_TIMEOUT=30 pm logs "$CT" 2>&1 | grep -v 'level=error msg=".*systemd'; }

started() { container_log | grep -q 'listening on'; }

# play FILE: podman kube play, then hellod's start-up line.
play() {
    PM_TIMEOUT=120 pm kube play "$1" >"$TMP/play.out" 2>&1 || {
        tail -c 1500 "$TMP/play.out"
        return 1
    }
    CONTAINER_UP=1
    ct_wait 30 "hellod's start-up line" started || {
        container_log | tail -n 20
        return 1
    }
}

no_warnings() {
    local log
    log=$(container_log) || return 1
    grep -q ' info  hellod .* listening on .*max-connections 4000' <<<"$log" || {
        echo "no start-up line with max-connections 4000: $log"
        return 1
    }
    ! grep -E '^[^ ]+ (warning|error) ' <<<"$log"
}

readiness() {
    local -a cmd
    mapfile -t cmd < <(manifest containers.0.readinessProbe.exec.command)
    ((${#cmd[@]} > 0)) || return 1
    PM_TIMEOUT=30 pm exec "$CT" "${cmd[@]}"
}

config_in_force() {
    local printed line missing=0
    printed=$(PM_TIMEOUT=30 pm exec "$CT" /usr/sbin/hellod --print-config) || return 1
    while IFS= read -r line; do
        grep -qxF -- "$line" <<<"$printed" || {
            echo "the ConfigMap sets '$line'; --print-config in the pod does not show it"
            missing=1
        }
    done < <("${CHECK[@]}" get "$MANIFESTS" config)
    return "$missing"
}

hardened() {
    pid1_non_root "$CT" || return 1
    local pid status limit
    pid=$(PM_TIMEOUT=30 pm inspect -f '{{.State.Pid}}' "$CT") || return 1
    status=$(<"/proc/$pid/status") || return 1
    if ! grep -qE '^NoNewPrivs:[[:space:]]+1$' <<<"$status" ||
        ! grep -qE '^Seccomp:[[:space:]]+2$' <<<"$status"; then
        grep -E '^(NoNewPrivs|Seccomp):' <<<"$status"
        return 1
    fi
    awk '$2 == "/" { found = 1; exit !($4 ~ /^ro(,|$)/) } END { if (!found) exit 1 }' \
        "/proc/$pid/mounts" || {
        echo "the root file system is not read-only: $(awk '$2 == "/"' "/proc/$pid/mounts")"
        return 1
    }
    # 192Mi, as resources.limits says (cgroup v1 here; v2 names it memory.max).
    limit=$(PM_TIMEOUT=30 pm exec "$CT" cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null ||
        PM_TIMEOUT=30 pm exec "$CT" cat /sys/fs/cgroup/memory.max) || return 1
    [[ $limit == $((192 * 1024 * 1024)) ]] || {
        echo "memory limit $limit, not 192Mi"
        return 1
    }
}

# stopped_like_kubelet: SIGTERM, SIGKILL after the manifest's grace period; exit 0 well before.
stopped_like_kubelet() {
    local grace t0 ms code
    grace=$(manifest terminationGracePeriodSeconds) || return 1
    t0=${EPOCHREALTIME/[.,]/}
    PM_TIMEOUT=$((grace + 30)) pm pod stop -t "$grace" "$POD" >/dev/null || return 1
    ms=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
    code=$(PM_TIMEOUT=30 pm inspect -f '{{.State.ExitCode}}' "$CT") || return 1
    echo "stopped in $ms ms (grace ${grace} s); exit status $code"
    STOP_MS=$ms
    ((code == 0 && ms < grace * 1000 / 2))
}

down() {
    PM_TIMEOUT=60 pm kube play --down "$1" >"$TMP/down.out" 2>&1 || {
        tail -c 1000 "$TMP/down.out"
        return 1
    }
    CONTAINER_UP=
    ! PM_TIMEOUT=30 pm pod exists "$POD" || {
        echo "pod $POD is still there"
        return 1
    }
}

# A new welcome in config/hellod.conf (a copy), through generate.sh, into a copy of the manifests.
changed_config() {
    local dir=$TMP/changed
    cp -r -- "$MANIFESTS" "$dir" || return 1
    sed -e 's/^# welcome = Welcome!$/welcome = Hi from the new config!/' \
        "$SOURCE_DIR/config/hellod.conf" >"$TMP/changed.conf"
    "$dir/generate.sh" "$TMP/changed.conf" "$dir" || return 1
    local before after key=deployment.spec.template.metadata.annotations.checksum/config
    before=$("${CHECK[@]}" get "$MANIFESTS" "$key") || return 1
    after=$("${CHECK[@]}" get "$dir" "$key") || return 1
    [[ $before != "$after" ]] || {
        echo "the pod template did not change"
        return 1
    }
    "${CHECK[@]}" play "$dir" "$IMAGE" >"$TMP/changed.yaml"
}

diagnostics() {
    echo "# ---- $CT (last 20 lines) ----"
    container_log | tail -n 20 | sed 's/^/# /'
}

# ---------------------------------------------------------------------------------------------

t=$SECONDS
ensure_base_image || fatal "no base image $CT_BASE_IMAGE (see the lines above)"
LAYERS=--layers=false # nothing of the build stage is left behind
[[ ${HELLOD_CT_LAYERS:-} == 1 ]] && LAYERS=--layers=true
PM_TIMEOUT=1200 pm build "${PM_BUILD_FLAGS[@]}" "${CT_LABELS[@]}" "$LAYERS" \
    -t "$IMAGE" "$SOURCE_DIR" >"$TMP/build.out" 2>&1 ||
    fatal "podman build failed: $(tail -c 2000 "$TMP/build.out")"
timing "image build" $((SECONDS - t))
"${CHECK[@]}" play "$MANIFESTS" "$IMAGE" >"$TMP/play.yaml" || fatal "kubernetes_check.py play failed"

t=$SECONDS
if step "up: podman kube play starts the pod" play "$TMP/play.yaml"; then
    step "up: no warning at start (capacity fits the pod's memory and pids limits)" no_warnings
    step "probes: the livenessProbe (podman's healthcheck) reports healthy" healthy "$CT"
    step "probes: the readinessProbe's command exits 0 in the pod" readiness
    step "transcript: nc through the published port 9999, byte-exact" converse 9999 'Welcome!'
    step "config: --print-config in the pod shows every setting of the ConfigMap" config_in_force
    step "hardening: uid/gid 10001, no capabilities, no_new_privs, seccomp, read-only root, 192Mi" \
        hardened
    step "metrics: port 9100 counts the transcript's session" metrics_served 9100
    if step "stop: a session is open" hold_session s1 9999 'Welcome!'; then
        step "stop: SIGTERM with the manifest's grace period; exit 0 within half of it" \
            stopped_like_kubelet && ct_log "the pod stopped in $STOP_MS ms with a session open"
        step "stop: the open session got the shutdown line, then the close" \
            held_session_told s1 'Welcome!'
    fi
fi
step "down: podman kube play --down removes the pod" down "$TMP/play.yaml"
timing "play, checks, stop" $((SECONDS - t))

if step "rollout: a changed config changes the pod template's checksum/config" changed_config; then
    if step "rollout: the changed manifests play" play "$TMP/changed.yaml"; then
        step "rollout: the new pod greets with the new welcome" \
            converse 9999 'Hi from the new config!'
    fi
    step "rollout: --down removes it" down "$TMP/changed.yaml"
fi
finish
