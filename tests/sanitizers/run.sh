#!/usr/bin/env bash
# The whole CTest suite of a sanitizer build (configured with -DHELLOD_SANITIZE=address or
# thread), with every report from every process written to files in one directory: the test
# binaries, and each hellod, hellod-bench and helper the tests start. A report from a child whose
# exit status a test does not look at (a server killed at the end of a case, say) still fails the
# run, and reports never end up in the output a test compares byte for byte.
#
# Usage: tests/sanitizers/run.sh BUILD_DIR [CTEST_ARGUMENTS...]
# The container tests are left out: they build and run the Dockerfile's own, unsanitized build;
# and so are the Kubernetes manifests' checks, which run no hellod of this build.
set -euo pipefail

if (($# < 1)); then
    echo "usage: $0 BUILD_DIR [CTEST_ARGUMENTS...]" >&2
    exit 64
fi
build=$1
shift
kind=$(sed -n 's/^HELLOD_SANITIZE:STRING=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
case $kind in
    address | thread) ;;
    *)
        echo "$0: $build is not a sanitizer build (HELLOD_SANITIZE is '${kind}')" >&2
        exit 64
        ;;
esac

reports=$(mktemp -d "${TMPDIR:-/tmp}/hellod-$kind-reports.XXXXXX")
trap 'rm -rf -- "$reports"' EXIT

# halt_on_error: the first report ends the process, so it cannot pass by accident.
# detect_leaks: LeakSanitizer at every exit, the daemon's included.
export ASAN_OPTIONS="log_path=$reports/asan:halt_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:strict_init_order=1"
export UBSAN_OPTIONS="log_path=$reports/ubsan:halt_on_error=1:print_stacktrace=1"
# The one suppression (Boost.Log's own synchronisation, which TSan cannot see) is built into
# the binaries: see the end of daemon/log/log.cpp.
export TSAN_OPTIONS="log_path=$reports/tsan:halt_on_error=1:second_deadlock_stack=1"

status=0
ctest --test-dir "$build" --output-on-failure --no-tests=error -E 'container|kubernetes' "$@" || status=$?

shopt -s nullglob
found=("$reports"/*)
if ((${#found[@]} > 0)); then
    echo "$0: ${#found[@]} sanitizer report(s) under $kind:" >&2
    for report in "${found[@]}"; do
        echo "==== $(basename -- "$report")" >&2
        head -n 80 -- "$report" >&2
    done
    status=1
fi
if ((status == 0)); then
    echo "$kind sanitizer: the whole suite passed with no report"
fi
exit "$status"
