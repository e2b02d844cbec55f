#!/usr/bin/env bash
# smoke.sh - run each libFuzzer target for SECS seconds on a scratch copy of its corpus;
# exit 1 if any target crashes (the input is kept under FUZZ_DIR/smoke/<target>/).
# Usage: smoke.sh FUZZ_DIR SECS TARGET...
set -uo pipefail
dir=$1
secs=$2
shift 2
fail=0
for t in "$@"; do
	work="$dir/smoke/$t"
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/crashes"
	dict=()
	[ -f "fuzz/dict/$t.dict" ] && dict=(-dict="fuzz/dict/$t.dict")
	"$dir/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix="$work/crashes/" "${dict[@]}" "$work/corpus" "fuzz/corpus/$t" \
		>"$work/log" 2>&1
	rc=$?
	last=$(grep -E '^#[0-9]+' "$work/log" | tail -1 | tr -s ' \t' ' ')
	if [ $rc -ne 0 ] || ls "$work/crashes"/* >/dev/null 2>&1; then
		echo "fuzz-smoke: $t CRASHED (rc $rc): $(ls "$work/crashes")"
		grep -m5 -E 'ERROR|oracle|SUMMARY' "$work/log"
		fail=1
	else
		echo "fuzz-smoke: $t ok ${secs}s: $last"
	fi
done
exit $fail
