#!/usr/bin/env bash
# run-unit-tests.sh - run every cmocka test binary given, print one summary line, fail if any failed.
set -u
pass=0
fail=0
failed=()
for t in "$@"; do
	if "$t"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed+=("$t")
	fi
done
echo "unit: $pass passed, $fail failed"
if [ "$fail" -ne 0 ]; then
	printf 'failed: %s\n' "${failed[@]}"
	exit 1
fi
