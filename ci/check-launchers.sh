#!/usr/bin/env bash
# check-launchers.sh - the stack module (harness/stack) is the only code that starts virtiofsd,
# the device model or the vhost-user shim: outside it no C or shell source calls proc_spawn (the
# harness's spawner, defined in harness/common/proc.c) or runs an exec/popen/system line naming
# virtiofsd, bao-virtio-dm or bao-vu-shim. Run from the repository root; exit 1 naming each
# offending line.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
fail=0
spawns=$(git grep -nE '\bproc_spawn(_in)?\(' -- '*.c' '*.h' ':!harness/stack/' \
	':!harness/common/proc.c' ':!harness/common/proc.h')
runs=$(git grep -nE '\b(exec[lv]p?e?|popen|system|posix_spawnp?) *\(.*(virtiofsd|bao-virtio-dm|bao-vu-shim)' \
	-- '*.c' '*.h' '*.sh' '*.mk' ':!harness/stack/' ':!ci/check-launchers.sh')
for hit in "$spawns" "$runs"; do
	[ -z "$hit" ] && continue
	printf '%s\n' "$hit" | sed 's/^/check-launchers: outside harness\/stack: /'
	fail=1
done
[ $fail = 0 ] && echo "check-launchers: only harness/stack starts virtiofsd, the device model and the shim"
exit $fail
