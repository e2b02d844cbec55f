# fuzz.mk - fuzzing (included at the end of the top Makefile): libFuzzer and AFL++ builds of
# fuzz/targets/fuzz_*.c over the project's pure parsers, compiled directly with clang into
# $(BUILD)/fuzz; seed corpora, regression replay, smoke runs, campaigns. See fuzz/README.md.

FUZZ_CC ?= clang
AFL_CC ?= $(firstword $(shell command -v afl-clang-fast afl-clang-lto 2>/dev/null))
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SMOKE_SECS ?= 20
FUZZ_STACK_SECS ?= 60
FUZZ_GUEST_SECS ?= 30
TIME ?= 60
JOBS ?= 1

FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -O1 -g $(CSTD) $(WARN) $(INCS) -Ifuzz/targets -MMD -MP
FUZZ_TARGETS := $(patsubst fuzz/targets/fuzz_%.c,%,$(wildcard fuzz/targets/fuzz_*.c))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)

# The project code the targets exercise: pure parsers and the register file, nothing that
# spawns or maps. One clang archive per build flavour; the linker takes what a target needs.
FUZZ_PROJ_SRCS := harness/common/log.c harness/common/virtio_mmio_regs.c $(filter-out %/main.c,$(wildcard harness/scenario/*.c)) \
	harness/frontend/fuse_msg.c harness/frontend/fuse_trace.c harness/frontend/vq_dev.c \
	$(addprefix harness/devmodel/,dm_config.c dm_config_key.c vhost_user_msg.c mmio_regs.c virtio_mmio.c \
		virtio_mmio_rings.c dm_dispatch.c virtio_fs_config.c reply_mut.c) harness/vushim/vu_shim_msg.c \
	fake-hypervisor/proto/remio.c fake-hypervisor/proto/fakebao_ctl_msg.c harness/stack/stack_config.c

# --- libFuzzer -------------------------------------------------------------------------------
$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/libproj.a: $(FUZZ_PROJ_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/fuzz/targets/fuzz_%.o $(FUZZ_DIR)/libproj.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(YAML_LIBS) -lpthread

# --- AFL++ (same sources, afl-clang-fast, fuzz/afl_driver.c as main) --------------------------
$(FUZZ_DIR)/afl/obj/%.o: %.c
	@test -n "$(AFL_CC)" || { echo "fuzz: afl-clang-fast not found: make fuzz-deps" >&2; exit 3; }
	@mkdir -p $(dir $@)
	$(AFL_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -c $< -o $@

$(FUZZ_DIR)/afl/libproj.a: $(FUZZ_PROJ_SRCS:%.c=$(FUZZ_DIR)/afl/obj/%.o)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/afl/fuzz_%: $(FUZZ_DIR)/afl/obj/fuzz/targets/fuzz_%.o $(FUZZ_DIR)/afl/obj/fuzz/afl_driver.o \
		$(FUZZ_DIR)/afl/libproj.a
	$(AFL_CC) $(FUZZ_SAN) -o $@ $^ $(YAML_LIBS) -lpthread

# --- corpus generator (plain clang, no sanitizers) ---------------------------------------------
FUZZ_GEN_SRCS := fuzz/gen/gen_corpus.c fuzz/gen/gen_vq.c harness/frontend/fuse_msg.c \
	harness/frontend/fuse_trace.c \
	harness/devmodel/vhost_user_msg.c harness/devmodel/virtio_fs_config.c harness/common/log.c
$(FUZZ_DIR)/gen_corpus: $(FUZZ_GEN_SRCS) $(wildcard fuzz/gen/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -O1 -g $(CSTD) $(WARN) $(INCS) -Ifuzz/gen -o $@ $(FUZZ_GEN_SRCS)

.PHONY: fuzz-build fuzz-deps fuzz-corpus fuzz-regress fuzz-smoke fuzz-smoke-guest fuzz fuzz-afl \
	fuzz-oss-check fuzz-replay-guest
fuzz-build: $(FUZZ_BINS)

fuzz-deps:
	@fuzz/scripts/deps.sh

# Regenerate the committed seed corpora from valid messages and the repository's own files.
fuzz-corpus: $(FUZZ_DIR)/gen_corpus
	$(FUZZ_DIR)/gen_corpus fuzz/corpus

# Replay every regression input and the whole corpus through every target, once each.
fuzz-regress: $(FUZZ_BINS)
	@fuzz/scripts/regress.sh $(FUZZ_DIR) $(FUZZ_TARGETS)

# Every target for FUZZ_SMOKE_SECS, then the whole-stack fuzzer for FUZZ_STACK_SECS; fails on a crash.
fuzz-smoke: $(FUZZ_BINS) all
	@fuzz/scripts/smoke.sh $(FUZZ_DIR) $(FUZZ_SMOKE_SECS) $(FUZZ_TARGETS)
	$(BUILD)/baoharness fuzz fuse-requests --time $(FUZZ_STACK_SECS) --seed 1 \
		--out $(FUZZ_DIR)/smoke --regress-dir $(FUZZ_DIR)/smoke/whole-stack
	@$(MAKE) --no-print-directory fuzz-smoke-guest

# The guest fuzzer (hostile backend, real Linux guest on --frontend qemu) for FUZZ_GUEST_SECS:
# guest findings never fail it, a harness error (exit 1) does; no QEMU or image here (exit 3)
# is a skip, said out loud.
# The guest fuzzer on both QEMU frontends (the device model mutates on qemu, the vhost-user
# shim on qemu-native); fails only on a harness error.
fuzz-smoke-guest: all el2-stub qemu-image
	@for fe in qemu qemu-native; do rc=0; \
	$(BUILD)/baoharness fuzz guest --frontend $$fe --time $(FUZZ_GUEST_SECS) --seed 1 \
		--round 3 --out $(FUZZ_DIR)/smoke --regress-dir $(FUZZ_DIR)/smoke/guest || rc=$$?; \
	case $$rc in 0) echo "fuzz-smoke-guest $$fe: ok (findings, if any, in $(FUZZ_DIR)/smoke/guest*.json)";; \
	3) echo "fuzz-smoke-guest $$fe: SKIPPED: this machine cannot run the qemu guest (baoharness doctor)";; \
	*) echo "fuzz-smoke-guest $$fe: FAILED: harness error (exit $$rc)"; exit 1;; esac; done

# Every guest finding record replayed (FUZZ_REPLAY_SECS each; minutes in all, so not in make
# test): a markdown table on stdout (results/fuzz/guest.md's "Replays"), the logs under
# $(FUZZ_DIR)/replay-guest; fails when a record did not come back. KASAN records need
# make qemu-kernel-kasan (said, not failed, without it). FUZZ_REPLAY_RECORDS picks records.
FUZZ_REPLAY_SECS ?= 60
FUZZ_REPLAY_RECORDS ?= $(sort $(wildcard fuzz/regress/guest/*.txt))
fuzz-replay-guest: all el2-stub qemu-image
	@fuzz/scripts/replay-guest.sh $(BUILD) $(FUZZ_REPLAY_SECS) $(FUZZ_DIR)/replay-guest \
		$(FUZZ_REPLAY_RECORDS)

# make fuzz TARGET=x TIME=S [JOBS=N]: a campaign with progress, results in results/fuzz/<x>.json;
# JOBS=N runs libFuzzer's -fork=N, the corpus merged at the end. TARGET=fuse-requests runs the
# whole-stack fuzzer instead.
fuzz: $(if $(TARGET),$(if $(filter fuse-requests,$(TARGET)),all,$(FUZZ_DIR)/fuzz_$(TARGET)))
	@test -n "$(TARGET)" || { echo "usage: make fuzz TARGET=<$(FUZZ_TARGETS) fuse-requests> [TIME=S] [JOBS=N]" >&2; exit 2; }
	@if [ "$(TARGET)" = fuse-requests ]; then \
		$(BUILD)/baoharness fuzz fuse-requests --time $(TIME); \
	else fuzz/scripts/campaign.sh $(FUZZ_DIR) $(TARGET) $(TIME) results/fuzz $(JOBS); fi

# make fuzz-afl TARGET=x [TIME=S]: build the AFL++ binary and run afl-fuzz on the seed corpus.
fuzz-afl: $(if $(TARGET),$(FUZZ_DIR)/afl/fuzz_$(TARGET))
	@test -n "$(TARGET)" || { echo "usage: make fuzz-afl TARGET=<$(FUZZ_TARGETS)> [TIME=S]" >&2; exit 2; }
	@fuzz/scripts/afl.sh $(FUZZ_DIR) $(TARGET) $(TIME)

# .clusterfuzzlite/build.sh builds the targets the OSS-Fuzz way ($CC $CFLAGS ... $LIB_FUZZING_ENGINE);
# here it runs with the variables OSS-Fuzz sets, and every target must build, ship its seed corpus
# (and dictionary) and run FUZZ_OSS_SECS seconds on that corpus.
FUZZ_OSS_SECS ?= 2
fuzz-oss-check:
	@fuzz/scripts/oss-check.sh $(BUILD)/oss-fuzz $(FUZZ_OSS_SECS) $(FUZZ_TARGETS)

# For build.sh: one variable's value (FUZZ_PROJ_SRCS, INCS, FUZZ_TARGETS).
fuzz-print-%:
	@echo $($*)

-include $(shell find $(FUZZ_DIR) -name '*.d' 2>/dev/null)
