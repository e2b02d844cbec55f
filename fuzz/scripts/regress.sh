#!/usr/bin/env bash
# regress.sh - replay fuzz/regress/<target>/* and fuzz/corpus/<target>/* through each libFuzzer
# binary once (file arguments: no fuzzing). Usage: regress.sh FUZZ_DIR TARGET...
set -uo pipefail
dir=$1
shift
fail=0
total=0
for t in "$@"; do
	files=()
	for d in fuzz/regress/"$t" fuzz/corpus/"$t"; do
		[ -d "$d" ] || continue
		while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$d" -type f ! -name '*.md' -print0 | sort -z)
	done
	[ ${#files[@]} -gt 0 ] || continue
	total=$((total + ${#files[@]}))
	if ! "$dir/fuzz_$t" -runs=1 "${files[@]}" >"$dir/regress-$t.log" 2>&1; then
		echo "fuzz-regress: $t FAILED (log: $dir/regress-$t.log)"
		grep -m3 -E 'ERROR|oracle|Running:' "$dir/regress-$t.log" | tail -3
		fail=1
	else
		echo "fuzz-regress: $t ok (${#files[@]} inputs)"
	fi
done
echo "fuzz-regress: $total inputs, $([ $fail = 0 ] && echo passed || echo FAILED)"
exit $fail
