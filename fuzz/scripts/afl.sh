#!/usr/bin/env bash
# afl.sh - run afl-fuzz on an AFL++ build of a target for SECS seconds, seeds from
# fuzz/corpus/<target>, findings in FUZZ_DIR/afl/out/<target>. Usage: afl.sh FUZZ_DIR TARGET SECS
set -uo pipefail
dir=$1
t=$2
secs=$3
out="$dir/afl/out/$t"
mkdir -p "$out"
dict=()
[ -f "fuzz/dict/$t.dict" ] && dict=(-x "fuzz/dict/$t.dict")
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
export AFL_SKIP_CRASHES=1 AFL_MAP_SIZE=262144
afl-fuzz -V "$secs" -m none -t 2000 -i "fuzz/corpus/$t" -o "$out" "${dict[@]}" -- "$dir/afl/fuzz_$t"
rc=$?
n=$(find "$out" -path '*crashes/id:*' | wc -l)
echo "fuzz-afl: $t ${secs}s, $n crash input(s) under $out (exit $rc)"
[ "$n" -eq 0 ]
