# shellcheck shell=bash disable=SC2034  # the PM_* flags are for the scripts that source this
# Helpers for tests that build and run containers with podman, on machines without a Docker
# engine or a reachable image registry (see shared/notes/containers.md for the recipe).
# Sourced by tests/systemd/in_container.sh and by the Docker-image test.
#
#   pm ARGS...                 podman with the runtime flags that work here (runc, cgroupfs),
#                              bounded by PM_TIMEOUT seconds (default 300)
#   PM_RUN_FLAGS               flags for `pm run` every test wants (host network, low ulimits)
#   PM_BUILD_FLAGS             flags for `pm build` (chroot isolation, host network, no pull)
#   ensure_base_image          makes docker.io/library/debian:bookworm-slim (and :bookworm)
#                              from the Debian mirror with debootstrap when it is missing
#   ct_wait SECONDS WHAT CMD.. polls CMD every CT_POLL seconds until it succeeds; after
#                              SECONDS prints "timed out after Ns waiting for WHAT", returns 1
#   ct_free_port               prints a TCP/UDP port free on this machine (never 9999)
#   ct_on_exit CMD...          registers CMD to run when the script exits, in reverse order,
#                              also after a failure, Ctrl-C (INT), TERM or HUP
#   ct_remove_container NAME / ct_remove_image NAME
#                              what ct_on_exit usually registers
#   ct_tmpdir                  prints a new scratch directory /var/tmp/hellod-ct-PID.XXXXXX
#                              (on disk, not a tmpfs: build contexts and root file systems)
#   ct_own TMP "CONTAINERS" "IMAGES"
#                              labels (CT_LABELS) and removes at exit what a run makes, or keeps
#                              it with HELLOD_CT_KEEP=1
#   ct_reap_stale              removes containers and images labelled hellod.test.pid=PID, and
#                              scratch directories, whose PID is gone (a run killed with
#                              SIGKILL, e.g. by ctest's timeout, cannot clean up after itself)
#   ct_require_tools TOOL...   exits 77 (ctest's SKIP_RETURN_CODE) when something is missing
#
# Every command is bounded with timeout(1). Nothing here sleeps to synchronise: ct_wait polls
# a condition at a short interval and gives up after a bound.

CT_BASE_IMAGE=docker.io/library/debian:bookworm-slim
CT_BASE_ALIAS=docker.io/library/debian:bookworm
CT_SUITE=bookworm
# One lock for every user of the shared image store: two tests may want the base at once.
CT_LOCK=${CT_LOCK:-/var/tmp/hellod-containers-base.lock}
CT_POLL=${CT_POLL:-0.2}

# runc, not crun: crun refuses to create containers on this kernel's hybrid cgroups.
# cgroupfs, not systemd: the host has no systemd to ask for cgroups.
pm() {
    timeout "${PM_TIMEOUT:-300}" podman --runtime runc --cgroup-manager=cgroupfs "$@"
}

# --network=host: no CNI/slirp set-up needed, and tests reach the container on 127.0.0.1.
# Explicit ulimits: runc's setrlimit to podman's defaults (nofile 1048576) is refused, because
# podman here lacks CAP_SYS_RESOURCE and may not raise a hard limit above its own. So: at most
# this shell's hard limits (nofile 20000 on these machines), capped at 65536 and 16384.
ct_cap_limit() {
    local hard=$1 cap=$2
    [[ $hard == unlimited ]] || ((hard > cap)) || { echo "$hard"; return; }
    echo "$cap"
}
CT_NOFILE=$(ct_cap_limit "$(ulimit -Hn)" 65536)
CT_NPROC=$(ct_cap_limit "$(ulimit -Hu)" 16384)
PM_RUN_FLAGS=(--network=host --ulimit "nofile=$CT_NOFILE:$CT_NOFILE"
    --ulimit "nproc=$CT_NPROC:$CT_NPROC")

# For systemd as PID 1 (command /sbin/init) whose units use systemd's sandboxing. Measured
# with a unit using DynamicUser, PrivateNetwork, PrivateUsers, ProtectSystem=strict,
# ProtectHome, PrivateTmp, PrivateDevices, ProtectKernelTunables, ProtectProc, RestrictNamespaces,
# SystemCallFilter and MemoryDenyWriteExecute (--privileged is not needed):
#   SYS_ADMIN   unshare and mount for every namespace a unit asks for; without it such a unit
#               fails at once with status 226/NAMESPACE.
#   SYS_PTRACE  PrivateUsers=yes: systemd's helper writes the uid_map of the service's process,
#               which is no longer dumpable once it switched to the (dynamic) user; without it
#               217/USER "Failed to set up user namespacing: No such file or directory".
#   NET_ADMIN   PrivateNetwork=yes: bringing up lo in the new namespace; without it the unit
#               still runs, with "Failed to configure loopback network device" in the journal.
# podman's default seccomp profile allows mount/unshare/setns once SYS_ADMIN is granted.
PM_SYSTEMD_RUN_FLAGS=(--systemd=always --cap-add SYS_ADMIN --cap-add SYS_PTRACE --cap-add NET_ADMIN)

# chroot isolation: the default (runtime) isolation needs crun/runc to create a container for
# each RUN, which fails here. --pull=never: no registry is reachable; the base is local.
PM_BUILD_FLAGS=(--format docker --isolation=chroot --network=host --pull=never)

ct_log() { printf '# %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Cleanup registry

declare -a CT_EXIT_CMDS=()
CT_TRAPS_SET=0

# ct_on_exit CMD [ARGS...]: runs CMD ARGS at exit (last registered, first run). The command is
# stored quoted, so arguments keep their spaces.
ct_on_exit() {
    local cmd
    printf -v cmd '%q ' "$@"
    CT_EXIT_CMDS+=("$cmd")
    if ((!CT_TRAPS_SET)); then
        CT_TRAPS_SET=1
        trap ct_run_exit_cmds EXIT
        trap 'ct_log "interrupted (SIGINT)"; exit 130' INT
        trap 'ct_log "terminated (SIGTERM)"; exit 143' TERM
        trap 'ct_log "hung up (SIGHUP)"; exit 129' HUP
    fi
}

ct_run_exit_cmds() {
    local rc=$? i
    trap - EXIT
    trap '' INT TERM HUP  # a second Ctrl-C must not stop the cleanup half-way
    for ((i = ${#CT_EXIT_CMDS[@]} - 1; i >= 0; i--)); do
        eval "${CT_EXIT_CMDS[i]}" || true
    done
    CT_EXIT_CMDS=()
    exit "$rc"
}

ct_remove_container() {
    PM_TIMEOUT=60 pm rm -f -t 5 "$1" >/dev/null 2>&1 ||
        ct_log "could not remove container $1"
    return 0
}

ct_remove_image() {
    # Removes the tagged image and the untagged layers of its build nobody else uses.
    if PM_TIMEOUT=30 pm image exists "$1" 2>/dev/null; then
        PM_TIMEOUT=60 pm rmi -f "$1" >/dev/null 2>&1 || ct_log "could not remove image $1"
    fi
    return 0
}

# ct_reap_stale: what runs killed before their cleanup left behind. Tests label what they make
# with --label hellod.test.pid=$$; only things whose process no longer exists are removed, so
# runs going on at the same time keep theirs. What a run kept on purpose for a post-mortem
# (label hellod.test.keep=1, a .keep file in a scratch directory) stays.
ct_reap_stale() {
    local id pid keep
    while read -r id pid keep; do
        [[ $pid =~ ^[0-9]+$ && $keep != 1 ]] || continue
        kill -0 "$pid" 2>/dev/null && continue
        ct_log "removing container $id left by a dead run (pid $pid)"
        ct_remove_container "$id"
    done < <(PM_TIMEOUT=30 pm ps -a --filter label=hellod.test.pid \
        --format '{{.ID}} {{index .Labels "hellod.test.pid"}} {{index .Labels "hellod.test.keep"}}' 2>/dev/null)
    while read -r id pid keep; do
        [[ $pid =~ ^[0-9]+$ && $keep != 1 ]] || continue
        kill -0 "$pid" 2>/dev/null && continue
        ct_log "removing image $id left by a dead run (pid $pid)"
        PM_TIMEOUT=60 pm rmi -f "$id" >/dev/null 2>&1
    done < <(PM_TIMEOUT=30 pm images --filter label=hellod.test.pid \
        --format '{{.ID}} {{index .Labels "hellod.test.pid"}} {{index .Labels "hellod.test.keep"}}' 2>/dev/null)
    local dir
    for dir in /var/tmp/hellod-ct-*.*; do
        [[ -d $dir && $dir =~ /hellod-ct-([0-9]+)\. ]] || continue
        kill -0 "${BASH_REMATCH[1]}" 2>/dev/null && continue
        [[ -e $dir/.keep ]] && continue
        # A debootstrap killed half-way may have left proc or sys mounted in its tree.
        if grep -q " $dir/" /proc/mounts; then
            ct_log "not removing $dir: something is still mounted in it"
            continue
        fi
        ct_log "removing $dir left by a dead run"
        rm -rf --one-file-system -- "$dir"
    done
    return 0
}

ct_tmpdir() {
    mktemp -d "/var/tmp/hellod-ct-$$.XXXXXX"
}

declare -a CT_LABELS=() CT_OWN_CONTAINERS=() CT_OWN_IMAGES=()
CT_OWN_TMP=''

# ct_own TMP "CONTAINER..." "IMAGE...": what this run makes. Sets CT_LABELS, the labels to give
# every container and image it makes (its pid, for ct_reap_stale, and the keep flag); removes
# the containers, the images and TMP at exit, or keeps them all with HELLOD_CT_KEEP=1; and
# first reaps what dead runs left.
ct_own() {
    CT_OWN_TMP=$1
    read -ra CT_OWN_CONTAINERS <<<"$2"
    read -ra CT_OWN_IMAGES <<<"$3"
    CT_LABELS=(--label "hellod.test.pid=$$")
    if [[ ${HELLOD_CT_KEEP:-} == 1 ]]; then
        CT_LABELS+=(--label hellod.test.keep=1)
        touch "$CT_OWN_TMP/.keep"
    fi
    ct_on_exit ct_keep_or_remove
    ct_reap_stale
}

ct_keep_or_remove() {
    local name
    if [[ ${HELLOD_CT_KEEP:-} == 1 ]]; then
        ct_log "kept: containers ${CT_OWN_CONTAINERS[*]} (enter one with podman --runtime runc" \
            "--cgroup-manager=cgroupfs exec -it NAME bash); images ${CT_OWN_IMAGES[*]}; files $CT_OWN_TMP"
        return 0
    fi
    for name in "${CT_OWN_CONTAINERS[@]}"; do ct_remove_container "$name"; done
    for name in "${CT_OWN_IMAGES[@]}"; do ct_remove_image "$name"; done
    rm -rf --one-file-system -- "$CT_OWN_TMP"
}

# ---------------------------------------------------------------------------------------------
# Waiting and ports

# ct_wait SECONDS WHAT CMD [ARGS...]: runs CMD until it succeeds, every CT_POLL seconds, for at
# most SECONDS. CMD itself should be quick (wrap it in timeout when it might hang).
ct_wait() {
    local seconds=$1 what=$2 deadline
    shift 2
    deadline=$((${EPOCHREALTIME/[.,]/} + seconds * 1000000))
    while :; do
        "$@" && return 0
        if ((${EPOCHREALTIME/[.,]/} >= deadline)); then
            ct_log "timed out after ${seconds}s waiting for $what"
            return 1
        fi
        sleep "$CT_POLL"
    done
}

# ct_port_in_use PORT: true when any TCP or UDP socket (IPv4 or IPv6, in any state, TIME_WAIT
# included) on this machine has PORT as its local port. Reads /proc; needs no ss/netstat.
ct_port_in_use() {
    local hex f
    printf -v hex ':%04X ' "$1"
    for f in /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6; do
        [[ -r $f ]] || continue
        # Field 2 is local_address:port in hex.
        awk -v p="$hex" 'NR > 1 && index($2 " ", p) { found = 1 } END { exit !found }' "$f" &&
            return 0
    done
    return 1
}

declare -A CT_PORTS_TAKEN=()

# ct_free_port: prints a port from 20000-32767 that no socket uses now and that this script
# has not handed out before. Below the kernel's ephemeral range (32768-60999), so outgoing
# connections do not take it meanwhile; random, so parallel runs rarely try the same one.
ct_free_port() {
    local port tries
    for ((tries = 0; tries < 200; tries++)); do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
        ((port == 9999)) && continue
        [[ -n ${CT_PORTS_TAKEN[$port]:-} ]] && continue
        ct_port_in_use "$port" && continue
        CT_PORTS_TAKEN[$port]=1
        echo "$port"
        return 0
    done
    ct_log "no free port found"
    return 1
}

# ---------------------------------------------------------------------------------------------
# Preconditions

# ct_require_tools TOOL...: exits 77 (the test is skipped, not failed) when a tool is missing
# or the script is not root (podman's image store and debootstrap both need root here).
ct_require_tools() {
    local tool
    if ((EUID != 0)); then
        echo "skipped: needs root (podman's system image store, debootstrap)"
        exit 77
    fi
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null; then
            echo "skipped: $tool is missing (make deps installs it)"
            exit 77
        fi
    done
}

# ---------------------------------------------------------------------------------------------
# The base image

# The Debian mirror apt uses on this machine (deb822 sources first, then sources.list).
ct_debian_mirror() {
    local m=''
    if [[ -r /etc/apt/sources.list.d/debian.sources ]]; then
        m=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
    fi
    if [[ -z $m && -r /etc/apt/sources.list ]]; then
        m=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)
    fi
    echo "${m:-http://deb.debian.org/debian}"
}

# ensure_base_image: makes sure CT_BASE_IMAGE and CT_BASE_ALIAS exist in podman's store.
#
# When missing, a minbase Debian is debootstrapped from the mirror apt already uses and
# imported under the registry's names, so `FROM debian:bookworm-slim` builds unchanged here
# and anywhere with a real registry. The image is LEFT IN PLACE afterwards, on purpose: it is a
# cache (creating it takes about half a minute and downloads ~40 MB), and since it carries the
# registry image's name, a later `podman pull` simply replaces it. Remove it by hand with
# `podman rmi docker.io/library/debian:bookworm-slim docker.io/library/debian:bookworm`.
#
# Concurrent callers are serialised with flock on CT_LOCK: the second waits (up to 12 min)
# and then finds the image the first made.
ensure_base_image() {
    local fd rc=0
    exec {fd}>>"$CT_LOCK" || {
        ct_log "cannot open lock file $CT_LOCK"
        return 1
    }
    if ! flock -w 720 "$fd"; then
        ct_log "waited 720s for $CT_LOCK (another test making the base image?)"
        exec {fd}>&-
        return 1
    fi
    if ! PM_TIMEOUT=30 pm image exists "$CT_BASE_IMAGE"; then
        ct_make_base_image || rc=1
    fi
    if ((rc == 0)) && ! PM_TIMEOUT=30 pm image exists "$CT_BASE_ALIAS"; then
        PM_TIMEOUT=60 pm tag "$CT_BASE_IMAGE" "$CT_BASE_ALIAS" || rc=1
    fi
    exec {fd}>&-  # releases the lock
    return $rc
}

# ct_make_base_image: debootstrap + podman import (called with the lock held).
ct_make_base_image() {
    local mirror work rootfs rc=0 t0=$SECONDS
    mirror=$(ct_debian_mirror)
    work=$(ct_tmpdir) || return 1
    rootfs=$work/root
    ct_log "making $CT_BASE_IMAGE: debootstrap --variant=minbase $CT_SUITE from $mirror"
    if ! timeout 600 debootstrap --variant=minbase "$CT_SUITE" "$rootfs" "$mirror" \
        >"$work/debootstrap.log" 2>&1; then
        ct_log "debootstrap failed; the end of its log:"
        tail -n 30 "$work/debootstrap.log" >&2
        rc=1
    fi
    if ((rc == 0)); then
        ct_slim_rootfs "$rootfs"
        if ! tar -C "$rootfs" --numeric-owner -c . |
            PM_TIMEOUT=600 pm import -q --change 'CMD ["bash"]' \
                --message "debootstrap --variant=minbase $CT_SUITE $mirror" \
                - "$CT_BASE_IMAGE" >/dev/null; then
            ct_log "podman import of the debootstrapped tree failed"
            rc=1
        fi
    fi
    rm -rf --one-file-system -- "$work"
    ((rc == 0)) && ct_log "made $CT_BASE_IMAGE in $((SECONDS - t0))s"
    return $rc
}

# ct_slim_rootfs ROOTFS: what the registry's bookworm-slim does on top of a minbase tree.
# Its apt sources are the ones this machine uses (the mirror is reachable from here; a
# sources.list naming only the release would miss bookworm-updates and -security), and dpkg
# leaves out documentation, as in the slim image, so later layers stay small.
ct_slim_rootfs() {
    local root=$1
    if [[ -r /etc/apt/sources.list.d/debian.sources ]]; then
        rm -f "$root/etc/apt/sources.list"
        cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/debian.sources"
    fi
    mkdir -p "$root/etc/dpkg/dpkg.cfg.d" "$root/etc/apt/apt.conf.d"
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# As in the registry's debian:*-slim images: no documentation in the image.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
        "$root"/usr/share/man/* "$root"/usr/share/info/*
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias \
        -exec rm -rf {} + 2>/dev/null
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null
    # As in the registry image: no hostname or resolv.conf of the machine that made it.
    : >"$root/etc/resolv.conf"
    rm -f "$root/etc/hostname"
    return 0
}
