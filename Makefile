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
CFLAGS ?= -O2 -g
CFLAGS += $(CSTD) $(WARN) -fPIC -MMD -MP
LDLIBS := -lpthread
# config-fs.yaml is read with libyaml (Debian's libyaml-dev): the device model, its tests and
# the dm_config fuzz target link it.
YAML_LIBS := -lyaml
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
CFLAGS += $(SANFLAGS) -DHARNESS_ASAN_RUNTIME=\"$(shell $(CC) -print-file-name=libasan.so)\"
LDFLAGS += $(SANFLAGS)
endif

# component name -> source folder. Dependency order (a component uses those after it):
# cli -> stack -> qemu, el2host, frontend, scenario, fakebao -> fbproto -> common.
# devmodel uses only the UAPI header and common; the preload library only fbclient, fbproto,
# the public headers and common - never fakebao's internals (fake-hypervisor/src).
COMPONENTS := common fbproto fakebao fbclient el2host scenario frontend devmodel vushim qemu stack cli
dir_common := harness/common
dir_fbproto := fake-hypervisor/proto
dir_fakebao := fake-hypervisor/src
dir_fbclient := fake-hypervisor/client
dir_el2host := fake-hypervisor/el2/host
dir_scenario := harness/scenario
dir_frontend := harness/frontend
dir_devmodel := harness/devmodel
dir_vushim := harness/vushim
dir_qemu := harness/qemu
dir_stack := harness/stack
dir_cli := harness/cli

# The include paths each component may use: a forbidden include is a build error
# (`make check-boundaries` shows it for the device model and the preload library).
FB_UAPI := fake-hypervisor/include/uapi
FB_PUB := $(FB_UAPI) fake-hypervisor/include
incs_common := harness/common
incs_fbproto := $(FB_PUB) fake-hypervisor/proto harness/common
incs_fakebao := $(FB_PUB) fake-hypervisor/proto fake-hypervisor/src harness/common
incs_fbclient := $(FB_PUB) fake-hypervisor/proto fake-hypervisor/client harness/common
incs_el2host := $(FB_PUB) fake-hypervisor/el2/host harness/common
incs_scenario := harness/scenario harness/common
incs_frontend := harness/frontend harness/scenario harness/common
incs_devmodel := $(FB_UAPI) harness/devmodel harness/common
# The vhost-user shim reuses the device model's vhost-user and mutation code, nothing else.
incs_vushim := harness/vushim $(incs_devmodel)
incs_qemu := harness/qemu fake-hypervisor/include harness/common
incs_stack := harness/stack $(FB_PUB) fake-hypervisor/el2/host harness/frontend harness/scenario \
	harness/qemu harness/common
incs_cli := harness/cli $(incs_stack)
# Everything, for the programs outside the components (benchmarks, fuzz targets, QEMU tools).
ALL_DIRS := $(FB_PUB) fake-hypervisor/proto fake-hypervisor/src fake-hypervisor/client \
	fake-hypervisor/el2/host harness/common harness/scenario harness/frontend harness/devmodel \
	harness/vushim \
	harness/qemu harness/stack harness/cli
INCS := $(addprefix -I,$(ALL_DIRS))
OBJ_INCS = $(INCS)

# The preload library is its own unit: the device model must link no emulation code.
PRELOAD_SRC := fake-hypervisor/client/bao_preload.c

srcs_of = $(filter-out %/main.c $(PRELOAD_SRC),$(wildcard $(dir_$(1))/*.c))
objs_of = $(patsubst %.c,$(BUILD)/obj/%.o,$(call srcs_of,$(1)))
lib_of = $(BUILD)/lib/lib$(1).a

LIBS_ALL := $(foreach c,$(COMPONENTS),$(call lib_of,$(c)))

BAOHARNESS := $(BUILD)/baoharness
DEVMODEL := $(BUILD)/bao-virtio-dm
VUSHIM := $(BUILD)/bao-vu-shim
PRELOAD := $(BUILD)/libfakebao-preload.so

# Each component's tests link only what that component needs, so one room's unfinished code
# never breaks another room's tests.
testdeps_common := common
testdeps_fbproto := fbproto common
testdeps_fakebao := fakebao fbclient fbproto common
testdeps_fbclient := fbclient fbproto common
testdeps_el2host := el2host fakebao fbclient fbproto common
testdeps_scenario := scenario common
testdeps_frontend := frontend scenario common
testdeps_devmodel := devmodel stack common
testdeps_vushim := vushim devmodel common
testdeps_qemu := qemu common
testdeps_stack := stack qemu el2host frontend scenario fakebao fbproto common
testdeps_cli := cli stack qemu el2host frontend scenario fakebao fbproto common
testdir_common := harness/common/tests
testdir_fbproto := fake-hypervisor/proto/tests
testdir_fakebao := fake-hypervisor/tests
testdir_fbclient := fake-hypervisor/client/tests
testdir_el2host := fake-hypervisor/el2/host/tests
testdir_scenario := harness/scenario/tests
testdir_frontend := harness/frontend/tests
testdir_devmodel := harness/devmodel/tests
testdir_vushim := harness/vushim/tests
testdir_qemu := harness/qemu/tests
testdir_stack := harness/stack/tests
testdir_cli := harness/cli/tests
# Test-only fakes live under the tests that use them.
testsrcs_frontend := $(wildcard harness/frontend/tests/fakes/*.c)
testincs_frontend := harness/frontend/tests/fakes
testsrcs_devmodel := $(wildcard harness/devmodel/tests/fakes/*.c)
testincs_devmodel := harness/devmodel/tests/fakes
testlibs_devmodel := $(YAML_LIBS)
tests_of = $(patsubst %.c,$(BUILD)/tests/%,$(wildcard $(testdir_$(1))/test_*.c))
test_incs_of = $(addprefix -I,$(sort $(foreach d,$(testdeps_$(1)),$(incs_$(d))) $(testincs_$(1))))
TEST_BINS := $(foreach c,$(COMPONENTS),$(call tests_of,$(c)))

.PHONY: all deps test unit-test scenario-test demo clean format format-check check-boundaries check-prefixes
all: $(BAOHARNESS) $(DEVMODEL) $(VUSHIM) $(PRELOAD)

deps:
	@ci/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(OBJ_INCS) -c $< -o $@

define component_lib
$(call objs_of,$(1)) $(BUILD)/obj/$(dir_$(1))/main.o: OBJ_INCS = $(addprefix -I,$(incs_$(1)))
$(call lib_of,$(1)): $(call objs_of,$(1))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach c,$(COMPONENTS),$(eval $(call component_lib,$(c))))

HARNESS_LIBS := $(foreach c,cli stack qemu el2host frontend scenario fakebao fbproto common,\
	$(call lib_of,$(c)))
$(BAOHARNESS): $(BUILD)/obj/harness/cli/main.o $(HARNESS_LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The device model: devmodel code + common only, never fakebao.
$(DEVMODEL): $(BUILD)/obj/harness/devmodel/main.o $(call lib_of,devmodel) $(call lib_of,common)
	$(CC) $(LDFLAGS) -o $@ $^ $(YAML_LIBS) $(LDLIBS)

# The vhost-user shim (guest fuzzing on qemu-native): its own code, the device model's, common.
$(VUSHIM): $(BUILD)/obj/harness/vushim/main.o $(call lib_of,vushim) $(call lib_of,devmodel) \
		$(call lib_of,common)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/$(PRELOAD_SRC:.c=.o): OBJ_INCS = $(addprefix -I,$(incs_fbclient))
$(PRELOAD): $(BUILD)/obj/$(PRELOAD_SRC:.c=.o) $(call lib_of,fbclient) $(call lib_of,fbproto) \
		$(call lib_of,common)
	$(CC) $(LDFLAGS) -shared -Wl,--exclude-libs,ALL -o $@ $^ -ldl $(LDLIBS)

define component_tests
$(BUILD)/tests/$(testdir_$(1))/%: $(testdir_$(1))/%.c $(testsrcs_$(1)) \
		$(foreach d,$(testdeps_$(1)),$(call lib_of,$(d)))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) $(call test_incs_of,$(1)) $$(LDFLAGS) -o $$@ $$< $(testsrcs_$(1)) \
		$(foreach d,$(testdeps_$(1)),$(call lib_of,$(d))) -lcmocka $(testlibs_$(1)) $$(LDLIBS)
tests-$(1): $(call tests_of,$(1))
	@ci/run-unit-tests.sh $(call tests_of,$(1))
endef
$(foreach c,$(COMPONENTS),$(eval $(call component_tests,$(c))))

unit-test: $(TEST_BINS)
	@ci/run-unit-tests.sh $(TEST_BINS)

# The pytest drivers' JUnit report (CI templates: JUNIT_DIR=results/junit).
JUNIT_DIR ?= build/junit

scenario-test: all
	BAOHARNESS_BUILD=$(abspath $(BUILD)) /usr/bin/python3 -m pytest -v \
		--junitxml=$(JUNIT_DIR)/pytest.xml scenarios

# make test: a clang build (must be clean too), the benchmark's build, the sanitizer build, every unit test, the guest
# image, the fuzz targets (regressions; the OSS-Fuzz build, about 35 s), then every scenario
# driver (JUnit in JUNIT_DIR/pytest.xml).
test: deps
	$(MAKE) CC=clang BUILD=build/clang all
	$(MAKE) bench-build
	$(MAKE) backends
	$(MAKE) SAN=1 all unit-test check-boundaries check-prefixes
	$(MAKE) qemu-image el2-stub
	$(MAKE) fuzz-regress fuzz-oss-check
	$(MAKE) static-dm bao-dm-supervise
	BAOHARNESS_BUILD=$(abspath build/asan) /usr/bin/python3 -m pytest -v -p no:cacheprovider \
		--junitxml=$(JUNIT_DIR)/pytest.xml scenarios

demo: deps
	$(MAKE) all
	$(BUILD)/baoharness demo

# The boundary the design rests on: the device model and the preload library cannot include
# fakebao's internals (each is compiled with only its own include paths); and only the stack
# module starts virtiofsd or the device model.
check-boundaries:
	@ci/check-boundaries.sh "$(CC)" "$(addprefix -I,$(incs_devmodel))" "$(addprefix -I,$(incs_fbclient))"
	@ci/check-launchers.sh

# Bao's naming convention: every external symbol starts with its file's name.
check-prefixes: $(foreach c,$(COMPONENTS),$(call objs_of,$(c))) $(BUILD)/obj/$(PRELOAD_SRC:.c=.o)
	@ci/check-prefixes.sh $^

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

include harness/qemu/qemu.mk
include harness/backends/backends.mk
include fake-hypervisor/el2/el2.mk
include harness/bench/bench.mk
include fuzz/fuzz.mk
include ci/soak.mk
include ci/install.mk
include ci/version.mk
include fake-hypervisor/seccomp/seccomp.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
