#!/usr/bin/env bash
# progress.sh - reads a libFuzzer run's output on stdin, keeps all of it in LOG and shows one
# status line: rewritten in place on a terminal, a plain line every few seconds otherwise (a CI
# log), as harness/common/progress.c does for the harness's own long jobs (same variables:
# BAOHARNESS_PROGRESS=tty|plain|off, BAOHARNESS_PROGRESS_SECS). Errors and oracle failures
# are passed through as they come. Usage: ... 2>&1 | progress.sh LOG LABEL SECS
set -uo pipefail
export LC_ALL=C # EPOCHREALTIME with a '.'
log=$1
label=$2
total=$3
mode=${BAOHARNESS_PROGRESS:-}
if [ -z "$mode" ]; then
	if [ -t 2 ] && [ -z "${CI:-}" ]; then mode=tty; else mode=plain; fi
fi
case "$mode" in tty | plain | off) ;; *) mode=plain ;; esac
# Microseconds, in bash's own arithmetic: no process per line (libFuzzer can print thousands).
now() { echo $((${EPOCHREALTIME/./})); }
period=$(awk -v s="${BAOHARNESS_PROGRESS_SECS:-5}" 'BEGIN { s += 0; if (s < 0.1) s = 5; printf "%d", s * 1e6 }')
[ "$mode" = tty ] && period=250000
start=$(now)
next=0
execs=0 cov=? ft=? corp=? crashes=0 shown=0
: >"$log"


show() {
	local line
	line="fuzz $label: $((($(now) - start) / 1000000))/${total} s  execs $execs  cov $cov  ft $ft  corpus $corp  crashes $crashes"
	case "$mode" in
	tty) printf '\r\033[K%s' "$line" >&2 && shown=1 ;;
	plain) printf '%s\n' "$line" >&2 ;;
	esac
}
clear_line() { [ "$mode" = tty ] && [ "$shown" = 1 ] && printf '\r\033[K' >&2 && shown=0; }

while :; do
	if IFS= read -r -t 1 line; then
		printf '%s\n' "$line" >>"$log"
		# "#4096  pulse  cov: 5 ft: 6 corp: 3/9b exec/s: ..." or fork mode's
		# "#12345: cov: 5 ft: 6 corp: 3 exec/s: 10 oom/timeout/crash: 0/0/1 time: 3s ..."
		if [[ $line =~ ^#([0-9]+) ]]; then
			execs=${BASH_REMATCH[1]}
			[[ $line =~ cov:\ ([0-9]+) ]] && cov=${BASH_REMATCH[1]}
			[[ $line =~ ft:\ ([0-9]+) ]] && ft=${BASH_REMATCH[1]}
			[[ $line =~ corp:\ ([0-9]+) ]] && corp=${BASH_REMATCH[1]}
			[[ $line =~ crash:\ [0-9]+/[0-9]+/([0-9]+) ]] && crashes=${BASH_REMATCH[1]}
		elif [[ $line =~ ERROR|oracle|SUMMARY|Test\ unit\ written ]]; then
			[[ $line =~ Test\ unit\ written ]] && crashes=$((crashes + 1))
			clear_line
			printf '%s\n' "$line" >&2
		fi
	elif [ $? -le 128 ]; then
		break # end of input
	fi
	[ "$mode" = off ] && continue
	t=${EPOCHREALTIME/./}
	if ((t >= next)); then
		show
		next=$((t + period))
	fi
done
[ "$mode" != off ] && show
[ "$mode" = tty ] && printf '\n' >&2
exit 0
