#!/usr/bin/env bash
# bench/run.sh with tiny knobs (hellod only, a fraction of a second per test) into a temporary
# OUT: the report has hellod's row, the raw records are JSON without errors, and the chart is a
# PNG (when gnuplot is installed; otherwise the report must say the chart was skipped).
#
#   run_script.sh SOURCE_DIR BUILD_DIR
#
# Ends with "N passed, N failed".
set -uo pipefail

SRC=$1
BUILD=$2
OUT=$(mktemp -d /tmp/bench-script.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
PASSED=0
FAILED=0

ok() {
    echo "PASS $1"
    PASSED=$((PASSED + 1))
}
ko() {
    echo "FAIL $1"
    FAILED=$((FAILED + 1))
}

DUR=0.3 WARMUP=0.1 REPS=1 HOLD_N=100 HOLD_SECS=0.2 PP_CONNS="1 16" SETTLE=0 STARTUP_RUNS=3 \
    SERVERS=hellod PEERS=none OUT=$OUT timeout 120 "$SRC/bench/run.sh" "$BUILD" \
    2>"$OUT/run.err"
rc=$?
if [ "$rc" = 0 ]; then ok "run.sh exits 0"; else ko "run.sh exits 0 (got $rc): $(tail -5 "$OUT/run.err")"; fi

md=$OUT/benchmarks.md
if grep -qE '^\| hellod \| ok \| [0-9,]+ \| [0-9,]+ \|' "$md" 2>/dev/null; then
    ok "benchmarks.md has hellod's row with a passed transcript and rates"
else
    ko "benchmarks.md has hellod's row: $(grep '^| hellod' "$md" 2>/dev/null | head -1)"
fi
if grep -q '^## Targets' "$md" 2>/dev/null && grep -q 'start-up to accepting < 20 ms' "$md"; then
    ok "benchmarks.md has the targets checklist"
else
    ko "benchmarks.md has the targets checklist"
fi
if grep -q '^## hellod with metrics on against off' "$md" 2>/dev/null &&
    grep -qE '^\| churn c=16 \| rate \| [0-9,.]+ \| [0-9,.]+ \| [0-9.]+ \|$' "$md"; then
    ok "benchmarks.md sets metrics on beside off"
else
    ko "benchmarks.md sets metrics on beside off: $(grep -A6 'metrics on against' "$md" 2>/dev/null | head -8)"
fi
if grep -q 'PEERS=none make bench' "$md" 2>/dev/null; then
    ok "benchmarks.md says how to reproduce it"
else
    ko "benchmarks.md says how to reproduce it"
fi

jsonl=$OUT/benchmarks.jsonl
tests=$(jq -r '.test' "$jsonl" 2>/dev/null | sort | tr '\n' ' ')
want='check churn c=16 churn c=16 metrics on hold pingpong c=1 pingpong c=16 pingpong c=16 metrics on pingpong-echo c=16 startup '
if [ "$tests" = "$want" ]; then
    ok "benchmarks.jsonl has a record of every test"
else
    ko "benchmarks.jsonl has a record of every test: got '$tests'"
fi
if jq -se 'all(.[]; (.failed | not) and ((.errors // 0) == 0))' "$jsonl" >/dev/null 2>&1 &&
    jq -se 'any(.[]; .test == "hold" and .held == 100 and .answered == 100)' "$jsonl" >/dev/null; then
    ok "every record without errors; hold 100 all answered"
else
    ko "every record without errors: $(jq -c 'select(.failed or (.errors // 0) > 0)' "$jsonl" 2>&1 | head -3)"
fi

if command -v gnuplot >/dev/null 2>&1; then
    if [ "$(head -c 8 "$OUT/benchmarks.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
        grep -q '(benchmarks.png)' "$md"; then
        ok "benchmarks.png is a PNG, linked from the report"
    else
        ko "benchmarks.png is a PNG, linked from the report"
    fi
else
    if grep -q 'Chart skipped' "$md" 2>/dev/null && [ ! -e "$OUT/benchmarks.png" ]; then
        ok "no gnuplot here: the report says the chart was skipped"
    else
        ko "no gnuplot here: the report says the chart was skipped"
    fi
fi

# A failed run leaves the previous report alone: the build dir without hellod-bench.
before=$(md5sum "$md" | cut -d' ' -f1)
EMPTY=$(mktemp -d "$OUT/build.XXXXXX")
PEERS=none OUT=$OUT "$SRC/bench/run.sh" "$EMPTY" >/dev/null 2>&1 && rc=0 || rc=$?
if [ "$rc" != 0 ] && [ "$(md5sum "$md" | cut -d' ' -f1)" = "$before" ] &&
    [ -z "$(find "$OUT" -maxdepth 1 -name '.*.tmp')" ]; then
    ok "a run that cannot start leaves the report as it was"
else
    ko "a run that cannot start leaves the report as it was (exit $rc)"
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
