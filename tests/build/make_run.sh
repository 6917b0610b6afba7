#!/usr/bin/env bash
# make run installs and builds only what running hellod needs (tests/CMakeLists.txt: build.make_run):
#   1. `make -n run` installs none of the test tools, and builds the hellod target alone;
#   2. the project configures without GoogleTest (what make run leaves out), with hellod a target.
#
#   tests/build/make_run.sh SOURCE_DIR CMAKE
# Ends with "N passed, N failed".
set -uo pipefail

SRC=$(cd "${1:?usage: make_run.sh SOURCE_DIR CMAKE}" && pwd) || exit 64
CMAKE=${2:?usage: make_run.sh SOURCE_DIR CMAKE}
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }

TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT

# What make test adds: any of these in make run's install list is a test tool a user who only
# wants to run hellod pays for.
test_only=(libgtest-dev expect telnet socat podman runc debootstrap systemd haproxy prometheus
    python3-kubernetes catatonit jq curl groff-base man-db)

if ! plan=$(make -C "$SRC" -n run BUILD_DIR="$TMP/build" 2>&1); then
    fail "make -n run: $plan"
else
    # install_missing's loop names the packages it would install.
    packages=$(sed -n 's/.*for p in \([^;]*\); do.*/\1/p' <<<"$plan" | head -1)
    if [[ -z $packages ]]; then
        fail "make -n run names no packages to install (has install_missing changed?)"
    else
        extra=()
        for p in "${test_only[@]}"; do
            [[ " $packages " == *" $p "* ]] && extra+=("$p")
        done
        if ((${#extra[@]})); then
            fail "make run would install test tools: ${extra[*]}"
        else
            pass "make run installs only: $packages"
        fi
    fi
    if grep -q -- "--build $TMP/build .*--target hellod" <<<"$plan" &&
        ! grep -E -- "--build $TMP/build( -j[0-9]+)?\$" <<<"$plan" >/dev/null; then
        pass "make run builds the hellod target alone"
    else
        fail "make run does not build just --target hellod: $(grep -- --build <<<"$plan")"
    fi
fi

if out=$(timeout 120 "$CMAKE" -S "$SRC" -B "$TMP/configure" -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON \
    2>&1); then
    targets=$(timeout 60 "$CMAKE" --build "$TMP/configure" --target help 2>&1)
    if grep -qx '\.\.\. hellod' <<<"$targets"; then
        pass "configures without GoogleTest, with hellod a target"
    else
        fail "configured without GoogleTest, but hellod is not a target"
    fi
else
    fail "does not configure without GoogleTest: $(tail -5 <<<"$out")"
fi

echo "$passed passed, $failed failed"
((failed == 0))
