# version.mk - the harness version the JUnit report names (`git describe`, "unknown" outside a
# checkout); the object that embeds it is rebuilt when it changes (a stamp rewritten only then).
HARNESS_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
HARNESS_VERSION_STAMP := $(BUILD)/gen/harness-version
$(shell mkdir -p $(BUILD)/gen && \
	[ "$$(cat $(HARNESS_VERSION_STAMP) 2>/dev/null)" = "$(HARNESS_VERSION)" ] || \
	echo "$(HARNESS_VERSION)" >$(HARNESS_VERSION_STAMP))

$(BUILD)/obj/harness/cli/run_report.o: $(HARNESS_VERSION_STAMP)
$(BUILD)/obj/harness/cli/run_report.o: CFLAGS += -DHARNESS_VERSION='"$(HARNESS_VERSION)"'
