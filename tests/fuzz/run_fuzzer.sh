#!/usr/bin/env bash
# fuzz.run.<target>: libFuzzer on the committed corpus for SECONDS, writing only under WORKDIR.
# New inputs go to WORKDIR/corpus (listed first, so libFuzzer adds them there and never to the
# repository's corpus, listed second); it is kept between runs, so later runs start further on.
# A crash, a broken invariant or a hung input goes to WORKDIR/artifacts, printed on failure with
# the command that replays it.
#
# Usage: run_fuzzer.sh FUZZER CORPUS_DIR DICT SECONDS WORKDIR
set -euo pipefail

if [ $# -ne 5 ]; then
    echo "usage: $0 FUZZER CORPUS_DIR DICT SECONDS WORKDIR" >&2
    exit 64
fi
fuzzer=$1 corpus=$2 dict=$3 seconds=$4 work=$5

mkdir -p "$work/corpus"
rm -rf "$work/artifacts"
mkdir -p "$work/artifacts"
log="$work/fuzz.log"

# Readable stacks: the ASan runtime looks for llvm-symbolizer on PATH, which only the
# unversioned llvm package provides; llvm-14 has it here.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
    export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
fi

# -max_len: the longest seeds (lines past the 4 KiB buffer) are about 6 KB; longer inputs only
# make each run slower. -timeout: a session never waits, so 10 s for one input is a hang.
args=(-max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048
      -print_final_stats=1 -artifact_prefix="$work/artifacts/")
if [ -f "$dict" ]; then
    args+=(-dict="$dict")
fi

status=0
"$fuzzer" "${args[@]}" "$work/corpus" "$corpus" >"$log" 2>&1 || status=$?

# The last status line (cov, ft, corp, exec/s, rss) and the final stats, for the record.
grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)' "$log" | tail -n 1 || true
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
    "$log" || true

if [ "$status" -ne 0 ]; then
    echo "--- the end of $log:"
    tail -n 60 "$log"
    echo "FAILED (exit $status): $(basename "$fuzzer") found a problem; its input is in $work/artifacts:"
    ls -l "$work/artifacts"
    for artifact in "$work/artifacts"/*; do
        [ -e "$artifact" ] || continue
        echo "replay: (cd $(pwd) && $fuzzer $artifact)"
    done
    exit 1
fi
echo "ok: $(basename "$fuzzer") ran ${seconds}s; new inputs in $work/corpus, log in $log"
