#!/usr/bin/env bash
# check-boundaries.sh - proves the include boundaries the Makefile gives each component: the
# device model sees Bao's UAPI header and nothing of fakebao; the preload library sees fakebao's
# protocol and client but not its internals. Each forbidden include must fail to compile; each
# allowed one must compile. Usage: check-boundaries.sh CC DEVMODEL_INCS PRELOAD_INCS
set -uo pipefail
cc=$1
dm_incs=$2
preload_incs=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
try() { # try EXPECT(ok|fail) WHO INCS HEADER
	printf '#include "%s"\nint boundary_probe;\n' "$4" >"$tmp/probe.c"
	# shellcheck disable=SC2086
	if "$cc" -std=c11 -D_GNU_SOURCE $3 -fsyntax-only "$tmp/probe.c" 2>"$tmp/err"; then got=ok; else got=fail; fi
	if [ "$got" = "$1" ]; then
		echo "check-boundaries: $2 including $4: ${got/fail/refused} (as it must be)"
	else
		echo "check-boundaries: $2 including $4: $got, expected $1"; sed -n 1,3p "$tmp/err"; fail=1
	fi
}
try ok "device model" "$dm_incs" bao.h
for h in fakebao.h fakebao_priv.h fakebao_shm.h remio.h fakebao_dm.h el2_host.h; do
	try fail "device model" "$dm_incs" "$h"
done
try ok "preload library" "$preload_incs" fakebao_dm.h
for h in fakebao_priv.h el2_host.h scripted_fe.h; do
	try fail "preload library" "$preload_incs" "$h"
done
exit $fail
