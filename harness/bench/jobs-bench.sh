#!/usr/bin/env bash
# jobs-bench.sh - the scenario library with `baoharness run --jobs 1` and `--jobs 2`, ROUNDS
# rounds each, alternating; writes OUT/jobs.json and OUT/jobs.md with the medians and their
# ratio (`make bench` runs it). Usage: jobs-bench.sh BAOHARNESS OUT [ROUNDS=3]
set -euo pipefail
bin=$1
out=$2
rounds=${3:-3}
mkdir -p "$out"
files=(scenarios/*.scn)
declare -a t1 t2
run_once() { # run_once JOBS -> seconds on stdout; the summary line must be all-pass
	local s e res
	s=$(date +%s.%N)
	res=$("$bin" run --jobs "$1" "${files[@]}" 2>/dev/null | tail -n1)
	e=$(date +%s.%N)
	case "$res" in *" 0 failed,"*) ;; *) echo "jobs-bench: --jobs $1 failed: $res" >&2; exit 1 ;; esac
	echo "$e - $s" | bc
}
for r in $(seq "$rounds"); do
	t1+=("$(run_once 1)")
	t2+=("$(run_once 2)")
	echo "jobs-bench: round $r/$rounds: --jobs 1 ${t1[-1]} s, --jobs 2 ${t2[-1]} s" >&2
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
m1=$(median "${t1[@]}")
m2=$(median "${t2[@]}")
ratio=$(echo "scale=3; $m1 / $m2" | bc)
cpus=$(nproc)
cat >"$out/jobs.json" <<JSON
{"files": ${#files[@]}, "rounds": $rounds, "cpus": $cpus,
 "jobs1_s": [$(IFS=,; echo "${t1[*]}")], "jobs2_s": [$(IFS=,; echo "${t2[*]}")],
 "jobs1_median_s": $m1, "jobs2_median_s": $m2, "speedup": $ratio, "target": 1.6}
JSON
cat >"$out/jobs.md" <<MD
# Parallel runs: the scenario library with --jobs 1 and --jobs 2

${#files[@]} files on the scripted frontend, $rounds rounds each (alternating), $cpus CPUs; median wall time.

| --jobs | median s | rounds (s) |
|---|---|---|
| 1 | $m1 | ${t1[*]} |
| 2 | $m2 | ${t2[*]} |

Speedup --jobs 2 / --jobs 1: **$ratio** (target 1.6). Results are identical (scenarios/test_reports.py).
MD
echo "jobs-bench: speedup $ratio (--jobs 1 $m1 s, --jobs 2 $m2 s)" >&2
