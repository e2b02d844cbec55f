# seccomp.mk - the seccomp supervisor and the static device model, included by the top Makefile:
#   bao-dm-supervise  $(BUILD)/bao-dm-supervise: runs a device model - a statically linked one
#                     too - with Bao's UAPI served by fakebao through seccomp user notification
#   static-dm         build/static/bao-virtio-dm (our device model, -static) and
#                     build/static/bao-dm-probe (the static test program of test_seccomp_dm.py)
#   tests-seccomp     the cmocka tests here (unit-test runs them too)
# The supervisor links fakebao's device-model client as the preload library does (fbclient,
# fbproto, common) and sees the same include paths plus its own folder, never fakebao's src/.

SUP_DIR := fake-hypervisor/seccomp
SUP_SRCS := $(filter-out $(SUP_DIR)/main.c,$(wildcard $(SUP_DIR)/*.c))
SUP_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(SUP_SRCS))
SUP_MAIN_OBJ := $(BUILD)/obj/$(SUP_DIR)/main.o
SUP_LIB := $(BUILD)/lib/libfbseccomp.a
SUPERVISE := $(BUILD)/bao-dm-supervise
SUP_INCS := $(addprefix -I,$(SUP_DIR) $(incs_fbclient))
SUP_CLIENT_LIBS := $(call lib_of,fbclient) $(call lib_of,fbproto) $(call lib_of,common)
STATIC_DIR := build/static

$(SUP_OBJS) $(SUP_MAIN_OBJ): OBJ_INCS = $(SUP_INCS)

$(SUP_LIB): $(SUP_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(SUPERVISE): $(SUP_MAIN_OBJ) $(SUP_LIB) $(SUP_CLIENT_LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The probe needs Bao's UAPI header and libc only (it stands for a foreign static program).
$(BUILD)/obj/$(SUP_DIR)/tests/bao_dm_probe.o: OBJ_INCS = -I$(FB_UAPI)
$(BUILD)/bao-dm-probe: $(BUILD)/obj/$(SUP_DIR)/tests/bao_dm_probe.o
	$(CC) $(LDFLAGS) -o $@ $^

# A fresh sub-make: its own object tree, no sanitizer (gcc -static cannot link ASan).
static-dm:
	$(MAKE) SAN=0 BUILD=$(STATIC_DIR) LDFLAGS=-static $(STATIC_DIR)/bao-virtio-dm \
		$(STATIC_DIR)/bao-dm-probe

bao-dm-supervise: $(SUPERVISE)

# cmocka tests: the supervisor's pieces against a real fakebao in the test process.
SUP_TESTS := $(patsubst %.c,$(BUILD)/tests/%,$(wildcard $(SUP_DIR)/tests/test_*.c))
SUP_TEST_LIBS := $(SUP_LIB) $(call lib_of,fakebao) $(SUP_CLIENT_LIBS)
$(BUILD)/tests/$(SUP_DIR)/tests/%: $(SUP_DIR)/tests/%.c $(SUP_TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SUP_INCS) $(LDFLAGS) -o $@ $< $(SUP_TEST_LIBS) -lcmocka $(LDLIBS)
tests-seccomp: $(SUP_TESTS)
	@ci/run-unit-tests.sh $(SUP_TESTS)

TEST_BINS += $(SUP_TESTS)
unit-test: $(SUP_TESTS)
check-prefixes: $(SUP_OBJS) $(SUP_MAIN_OBJ)

.PHONY: static-dm bao-dm-supervise tests-seccomp
