#!/usr/bin/env bash
# replay-guest.sh - `make fuzz-replay-guest`: every guest finding record replayed once
# (`baoharness fuzz guest --replay RECORD --time SECS`, exit 1 = the signature came back), one
# markdown table row each: frontend, guest, time to reproduce and how, or why not.
# Usage: replay-guest.sh BUILD SECS OUTDIR RECORD...   Exit 0 every record reproduced (or
# skipped: no KASAN kernel, no QEMU here), 1 a record was not, 2 a harness error.
set -uo pipefail
build=$1
secs=$2
out=$3
shift 3
mkdir -p "$out"
fail=0
echo "| record | frontend | guest | reproduced | after | how |"
echo "|---|---|---|---|---|---|"
for rec in "$@"; do
	name=$(basename "$rec")
	fe=$(sed -n 's/^replay: .*--frontend \([^ ]*\).*/\1/p' "$rec" | head -1)
	guest=$(sed -n 's/^replay: .*--guest \([^ ]*\).*/\1/p' "$rec" | head -1)
	log="$out/${name%.txt}.log"
	t0=$(date +%s.%N)
	"$build/baoharness" fuzz guest --replay "$rec" --time "$secs" --out "$out" \
		--regress-dir "$out/guest" >"$log" 2>&1
	rc=$?
	wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
	after=$(sed -n 's/^after: \([0-9.]*\) s.*/\1 s/p' "$log" | head -1)
	how=$(sed -n 's/^how: //p' "$log" | head -1)
	case $rc in
	1)
		if grep -q '^reproduced: ' "$log"; then
			res="**yes**"
		else
			res="harness error (see $log)"
			fail=2
		fi
		;;
	0)
		res="no, not in $secs s"
		after="$wall s"
		how=$(grep -c 'attempt [0-9]*:' "$log" | sed 's/$/ scripted attempts, then the class at random/')
		[ "$fail" = 0 ] && fail=1
		;;
	3)
		res="not run: $(grep -o 'run make [a-z-]*\|cannot run[^.]*' "$log" | head -1)"
		after=-
		;;
	*)
		res="harness error, exit $rc (see $log)"
		fail=2
		;;
	esac
	echo "| \`$name\` | $fe | ${guest:-own} | $res | ${after:--} | ${how:--} |"
done
exit $fail
