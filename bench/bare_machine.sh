#!/usr/bin/env bash
# How long `make run` (or another make target) takes on a bare Debian machine, and how many
# packages it installs: the project at REV, copied into a fresh container made from the same
# debootstrap base the container tests use (Debian bookworm, minbase: no compiler, no cmake).
#
#   bench/bare_machine.sh [REV [TARGET]]      REV: a git revision (HEAD); TARGET: run (default)
#                                             or deps, configure, build...
#
# The clock starts at `make TARGET` and stops when 127.0.0.1:9999 accepts (TARGET run) or when
# make exits (any other target). `make` itself is installed before the clock starts: the
# README's two commands assume it. apt-get reads the host's mirror, so download time is part
# of the figure; run it on an otherwise idle machine. Needs podman and runc (make test's DEPS),
# and 127.0.0.1:9999 free (the container shares the host network, as apt-get needs).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/containers/lib.sh
. "$ROOT/tests/containers/lib.sh"
REV=${1:-HEAD}
TARGET=${2:-run}
NAME=hellod-bare-$$
PM_TIMEOUT=3600

ct_require_tools podman runc debootstrap git
ensure_base_image
if [[ $TARGET == run ]] && (exec 3<>/dev/tcp/127.0.0.1/9999) 2>/dev/null; then
    echo "bare_machine.sh: 127.0.0.1:9999 is already in use; make run needs it" >&2
    exit 75
fi

SRC=$(ct_tmpdir)
ct_on_exit rm -rf "$SRC"
git -C "$ROOT" archive --format=tar "$REV" | tar -C "$SRC" -x
ct_on_exit ct_remove_container "$NAME"
pm run -d --name "$NAME" "${PM_RUN_FLAGS[@]}" -v "$SRC:/src" -w /src "$CT_BASE_IMAGE" \
    sleep infinity >/dev/null
in_ct() { pm exec "$NAME" bash -c "$1"; }
in_ct 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq make >/dev/null'
before=$(in_ct "dpkg-query -W -f='\${Status}\n' | grep -c 'install ok installed'")
start=$(date +%s.%N)
if [[ $TARGET == run ]]; then
    pm exec -d "$NAME" bash -c 'make run > /tmp/make.log 2>&1; echo $? > /tmp/make.rc'
    until (exec 3<>/dev/tcp/127.0.0.1/9999) 2>/dev/null; do
        if in_ct 'test -e /tmp/make.rc'; then
            in_ct 'tail -20 /tmp/make.log' >&2
            echo "bare_machine.sh: make run exited before 127.0.0.1:9999 accepted" >&2
            exit 1
        fi
        sleep 0.5 # polling a port another process opens; there is no event to await
    done
else
    in_ct "make $TARGET > /tmp/make.log 2>&1" || { in_ct 'tail -20 /tmp/make.log' >&2; exit 1; }
fi
end=$(date +%s.%N)
after=$(in_ct "dpkg-query -W -f='\${Status}\n' | grep -c 'install ok installed'")
built=$(in_ct 'find build -maxdepth 1 -type f -perm -u+x 2>/dev/null | wc -l')
awk -v t="$TARGET" -v r="$(git -C "$ROOT" rev-parse --short "$REV")" -v s="$start" -v e="$end" \
    -v b="$before" -v a="$after" -v x="$built" 'BEGIN {
        printf "make %s at %s: %.0f s, %d packages installed (%d before, %d after), %d executables built\n",
            t, r, e - s, a - b, b, a, x }'
