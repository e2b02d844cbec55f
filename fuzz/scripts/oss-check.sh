#!/usr/bin/env bash
# oss-check.sh - `make fuzz-oss-check`: .clusterfuzzlite/build.sh run as OSS-Fuzz runs it (CC=clang,
# CFLAGS with -fsanitize=address,fuzzer-no-link, LIB_FUZZING_ENGINE=-fsanitize=fuzzer, OUT, SRC,
# WORK), then each target: built, its seed corpus zip holds fuzz/corpus/<target>, its
# dictionary shipped when it has one, and it runs SECS seconds on that corpus without a crash.
# Usage: oss-check.sh DIR SECS TARGET...
set -uo pipefail
dir=$1
secs=$2
shift 2
out=$dir/out
work=$dir/work
rm -rf "$dir" && mkdir -p "$out" "$work"
flags="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
flags+=" -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
start=$(date +%s)
if ! env CC=clang CXX=clang++ CFLAGS="$flags" CXXFLAGS="$flags" \
	LIB_FUZZING_ENGINE=-fsanitize=fuzzer SANITIZER=address FUZZING_ENGINE=libfuzzer \
	ARCHITECTURE=x86_64 OUT="$(cd "$out" && pwd)" WORK="$(cd "$work" && pwd)" \
	SRC="$(cd .. && pwd)" bash .clusterfuzzlite/build.sh >"$dir/build.log" 2>&1; then
	echo "fuzz-oss-check: build.sh FAILED (log: $dir/build.log)"
	tail -5 "$dir/build.log"
	exit 1
fi
echo "fuzz-oss-check: build.sh built $# targets in $(($(date +%s) - start)) s"
fail=0
for t in "$@"; do
	bin=$out/fuzz_$t
	why=
	seeds=$(find "fuzz/corpus/$t" -type f | wc -l)
	[ -x "$bin" ] || why="$bin not built"
	if [ -z "$why" ]; then
		n=$(unzip -Z1 "$out/fuzz_${t}_seed_corpus.zip" 2>/dev/null | grep -vc '/$')
		[ "$n" = "$seeds" ] || why="fuzz_${t}_seed_corpus.zip holds $n files, fuzz/corpus/$t $seeds"
	fi
	if [ -z "$why" ] && [ -f "fuzz/dict/$t.dict" ] && ! cmp -s "fuzz/dict/$t.dict" "$out/fuzz_$t.dict"; then
		why="fuzz_$t.dict missing or not fuzz/dict/$t.dict"
	fi
	if [ -z "$why" ]; then
		run=$work/run/$t
		mkdir -p "$run/corpus" "$run/crashes"
		unzip -q -o "$out/fuzz_${t}_seed_corpus.zip" -d "$run/corpus"
		dict=()
		[ -f "$out/fuzz_$t.dict" ] && dict=(-dict="$out/fuzz_$t.dict")
		if ! "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
			-artifact_prefix="$run/crashes/" "${dict[@]}" "$run/corpus" >"$run/log" 2>&1; then
			why="crashed within $secs s (log: $run/log)"
		fi
	fi
	if [ -n "$why" ]; then
		echo "fuzz-oss-check: $t FAILED: $why"
		fail=1
	else
		echo "fuzz-oss-check: $t ok ($seeds seeds$([ ${#dict[@]} -gt 0 ] && echo ", dictionary"), ran ${secs}s: $(grep -E '^#[0-9]+' "$run/log" | tail -1 | tr -s ' \t' ' '))"
	fi
done
echo "fuzz-oss-check: $# targets, $(($(date +%s) - start)) s, $([ $fail = 0 ] && echo passed || echo FAILED)"
exit $fail
