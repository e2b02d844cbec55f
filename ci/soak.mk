# ci/soak.mk - soak runs of the scenario library with random faults (harness/cli/soak.c).
# Included by the top Makefile. `make soak-smoke` is the CI-sized one (about 2 minutes);
# `make soak SOAK_MINUTES=10` the long one. Both exit nonzero on a failed run, a stray
# process, or fd counts that grew.
SOAK_MINUTES ?= 10
SOAK_SEED ?= 1

.PHONY: soak-smoke soak
soak-smoke: all
	$(BUILD)/baoharness soak --minutes 2 --seed $(SOAK_SEED)

soak: all
	$(BUILD)/baoharness soak --minutes $(SOAK_MINUTES) --seed $(SOAK_SEED)
