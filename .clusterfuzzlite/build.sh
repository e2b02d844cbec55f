#!/bin/bash -eu
# build.sh - every libFuzzer target in fuzz/targets built the OSS-Fuzz way, for ClusterFuzzLite
# and OSS-Fuzz (and `make fuzz-oss-check`, which runs it here with the variables they set):
#   $CC $CFLAGS ... $LIB_FUZZING_ENGINE -o $OUT/fuzz_<name>
#   $OUT/fuzz_<name>_seed_corpus.zip   fuzz/corpus/<name>/*
#   $OUT/fuzz_<name>.dict              fuzz/dict/<name>.dict, when there is one
# The project sources, include flags and target names come from fuzz/fuzz.mk (one list).
# Runs in the repository (the Dockerfile's WORKDIR, $SRC/baoharness).
[ -d fuzz/targets ] || cd "$SRC/baoharness"
: "${CC:?}" "${CFLAGS:?}" "${LIB_FUZZING_ENGINE:?}" "${OUT:?}" "${WORK:?}"

q() { make -s --no-print-directory "fuzz-print-$1"; }
srcs=$(q FUZZ_PROJ_SRCS)
incs=$(q INCS)
targets=$(q FUZZ_TARGETS)
std="-std=c11 -D_GNU_SOURCE -Ifuzz/targets"
obj=$WORK/baoharness
rm -rf "$obj" && mkdir -p "$obj" "$OUT"

# The parsers under test, once, into one archive (the linker takes what a target needs).
objs=()
for s in $srcs; do
	o=$obj/$(echo "${s%.c}" | tr / _).o
	# shellcheck disable=SC2086 # flag lists
	$CC $CFLAGS $std $incs -c "$s" -o "$o"
	objs+=("$o")
done
ar rcs "$obj/libproj.a" "${objs[@]}"

for t in $targets; do
	# shellcheck disable=SC2086
	$CC $CFLAGS $std $incs -c "fuzz/targets/fuzz_$t.c" -o "$obj/fuzz_$t.o"
	# libFuzzer is C++: link with the C++ driver when there is one (OSS-Fuzz sets CXX).
	# shellcheck disable=SC2086
	${CXX:-$CC} ${CXXFLAGS:-$CFLAGS} "$obj/fuzz_$t.o" "$obj/libproj.a" $LIB_FUZZING_ENGINE \
		-lyaml -lpthread -o "$OUT/fuzz_$t"
	rm -f "$OUT/fuzz_${t}_seed_corpus.zip"
	(cd "fuzz/corpus/$t" && zip -q -r -X "$OUT/fuzz_${t}_seed_corpus.zip" .)
	if [ -f "fuzz/dict/$t.dict" ]; then
		cp "fuzz/dict/$t.dict" "$OUT/fuzz_$t.dict"
	fi
done
echo "build.sh: $(echo $targets | wc -w) targets in $OUT"
