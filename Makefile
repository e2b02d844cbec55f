# Makefile - builds the harness into build/ (or build/asan with SAN=1), runs tests, demo.
# Non-recursive: each component is a folder whose *.c (minus main.c) make one archive;
# tests are */tests/test_*.c, each linked against its component's archive and the rest.

BUILD ?= build
SAN ?= 0
ifeq ($(SAN),1)
override BUILD := $(BUILD)/asan
endif

CC ?= gcc
CSTD := -std=c11 -D_GNU_SOURCE
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla
INCS := -Ifake-hypervisor/include -Ifake-hypervisor/src -Iharness/common -Iharness/scenario \
	-Iharness/frontend -Iharness/devmodel
CFLAGS ?= -O2 -g
CFLAGS += $(CSTD) $(WARN) $(INCS) -fPIC -MMD -MP
LDLIBS := -lpthread
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
CFLAGS += $(SANFLAGS) -DHARNESS_ASAN_RUNTIME=\"$(shell $(CC) -print-file-name=libasan.so)\"
LDFLAGS += $(SANFLAGS)
endif

# component name -> source folder
COMPONENTS := common fakebao scenario frontend devmodel cli qemu
dir_common := harness/common
dir_fakebao := fake-hypervisor/src
dir_scenario := harness/scenario
dir_frontend := harness/frontend
dir_devmodel := harness/devmodel
dir_cli := harness/cli
dir_qemu := harness/qemu

# The preload library is its own unit: the device model must link no emulation code.
PRELOAD_SRC := fake-hypervisor/src/bao_preload.c

srcs_of = $(filter-out %/main.c $(PRELOAD_SRC),$(wildcard $(dir_$(1))/*.c))
objs_of = $(patsubst %.c,$(BUILD)/obj/%.o,$(call srcs_of,$(1)))
lib_of = $(BUILD)/lib/lib$(1).a

LIBS_ALL := $(foreach c,$(COMPONENTS),$(call lib_of,$(c)))

BAOHARNESS := $(BUILD)/baoharness
DEVMODEL := $(BUILD)/bao-virtio-dm
PRELOAD := $(BUILD)/libfakebao-preload.so

# Each component's tests link only what that component needs, so one room's unfinished code
# never breaks another room's tests.
testdeps_common := common
testdeps_fakebao := fakebao common
testdeps_scenario := scenario common
testdeps_frontend := frontend common
testdeps_devmodel := devmodel common
testdeps_cli := cli qemu frontend scenario fakebao common
testdeps_qemu := qemu common
testdir_qemu := harness/qemu/tests
testdir_fakebao := fake-hypervisor/tests
testdir_common := harness/common/tests
testdir_scenario := harness/scenario/tests
testdir_frontend := harness/frontend/tests
testdir_devmodel := harness/devmodel/tests
testdir_cli := harness/cli/tests
tests_of = $(patsubst %.c,$(BUILD)/tests/%,$(wildcard $(testdir_$(1))/test_*.c))
TEST_BINS := $(foreach c,$(COMPONENTS),$(call tests_of,$(c)))

.PHONY: all deps test unit-test scenario-test demo clean format format-check
all: $(BAOHARNESS) $(DEVMODEL) $(PRELOAD)

deps:
	@ci/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

define component_lib
$(call lib_of,$(1)): $(call objs_of,$(1))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach c,$(COMPONENTS),$(eval $(call component_lib,$(c))))

$(BAOHARNESS): $(BUILD)/obj/harness/cli/main.o $(call lib_of,cli) $(call lib_of,qemu) \
		$(call lib_of,frontend) $(call lib_of,scenario) $(call lib_of,fakebao) $(call lib_of,common)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The device model: devmodel code + common only, never fakebao.
$(DEVMODEL): $(BUILD)/obj/harness/devmodel/main.o $(call lib_of,devmodel) $(call lib_of,common)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(PRELOAD): $(BUILD)/obj/$(PRELOAD_SRC:.c=.o) $(call lib_of,fakebao) $(call lib_of,common)
	$(CC) $(LDFLAGS) -shared -Wl,--exclude-libs,ALL -o $@ $^ -ldl $(LDLIBS)

define component_tests
$(BUILD)/tests/$(testdir_$(1))/%: $(testdir_$(1))/%.c $(foreach d,$(testdeps_$(1)),$(call lib_of,$(d)))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$< $(foreach d,$(testdeps_$(1)),$(call lib_of,$(d))) -lcmocka $$(LDLIBS)
tests-$(1): $(call tests_of,$(1))
	@ci/run-unit-tests.sh $(call tests_of,$(1))
endef
$(foreach c,$(COMPONENTS),$(eval $(call component_tests,$(c))))

unit-test: $(TEST_BINS)
	@ci/run-unit-tests.sh $(TEST_BINS)

scenario-test: all
	BAOHARNESS_BUILD=$(abspath $(BUILD)) /usr/bin/python3 -m pytest -v scenarios

# make test: a clang build (must be clean too), the sanitizer build, every unit test, the guest
# image, then every scenario driver.
test: deps
	$(MAKE) CC=clang BUILD=build/clang all
	$(MAKE) SAN=1 all unit-test
	$(MAKE) qemu-image el2-stub
	$(MAKE) fuzz-regress
	BAOHARNESS_BUILD=$(abspath build/asan) /usr/bin/python3 -m pytest -v -p no:cacheprovider scenarios

demo: deps
	$(MAKE) all
	$(BUILD)/baoharness demo

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

include harness/qemu/qemu.mk
include fake-hypervisor/el2/el2.mk
include harness/bench/bench.mk
include fuzz/fuzz.mk
include ci/soak.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
