#!/usr/bin/env bash
# check-prefixes.sh - Bao's convention, checked: every external symbol a source file defines
# starts with that file's name ("remio_complete" in remio.c). main(), the libc functions the
# preload library interposes, and sanitizer bookkeeping symbols are the only exceptions.
# Usage: check-prefixes.sh OBJECT...  (the components' objects of one build)
set -uo pipefail
bad=0
for o in "$@"; do
	base=$(basename "$o" .o)
	while read -r _ type sym; do
		case "$type" in [TDBRV]) ;; *) continue ;; esac
		case "$sym" in
		main | __odr_asan* | __asan* | __ubsan* | __sancov*) continue ;;
		"$base" | "$base"_*) continue ;;
		esac
		if [ "$base" = bao_preload ]; then continue; fi # interposes libc's own names
		echo "check-prefixes: $o: $sym does not start with ${base}_"
		bad=1
	done < <(nm --defined-only -g "$o" 2>/dev/null)
done
[ $bad -eq 0 ] && echo "check-prefixes: every external symbol carries its file's name"
exit $bad
