# qemu.mk - QEMU frontend targets, included by the top Makefile (after its own rules):
#   qemu-agent  the static aarch64 guest agent (build/qemu/guest-agent)
#   qemu-image  the guests: the harness's own kernel (qemu-kernel) and its initramfs with the agent
#               (build/qemu/{Image,initramfs.cpio.gz}); Debian's arm64 kernel with its modules
#               (build/qemu/debian/{Image,initramfs.cpio.gz}, `--guest debian`)
#   qemu-fio    build/qemu/fio/fio: Debian's fio source package cross-built static for the guest
#               (build-fio.sh; fetched and built once, in the initramfs as /usr/bin/fio)
#   qemu-kernel build/qemu/Image from Debian's linux-source-6.1 and harness/qemu/kernel's
#               fragment (about 4 min on 2 cores; cached, rebuilt when either changes)
#   qemu-test   the seed demo on the guest with QEMU's own device (baoharness run --frontend
#               qemu-native; needs root)
# The guest image is not sanitizer-dependent, so it always lives in build/qemu, also for SAN=1.

QEMU_DIR := harness/qemu
QEMU_IMAGE_DIR ?= build/qemu
QEMU_AGENT := $(QEMU_IMAGE_DIR)/guest-agent
QEMU_IMAGE := $(QEMU_IMAGE_DIR)/initramfs.cpio.gz
QEMU_FIO := $(QEMU_IMAGE_DIR)/fio/fio
AARCH64_CC ?= aarch64-linux-gnu-gcc

# The agent is compiled from the very sources the host executor uses (one meaning per step).
QEMU_AGENT_SRCS := $(wildcard $(QEMU_DIR)/guest/*.c) $(wildcard harness/scenario/*.c) \
	harness/common/log.c harness/common/fio_json.c
QEMU_AGENT_HDRS := $(wildcard $(QEMU_DIR)/guest/*.h) $(wildcard harness/scenario/*.h) \
	harness/common/log.h harness/common/fio_json.h
# -Wno-format-truncation: the cross gcc inlines deeper than the host one and flags the
# executor's deliberate snprintf truncation of long paths in messages.
QEMU_AGENT_CFLAGS := -static -pthread -O2 $(CSTD) $(WARN) -Wno-format-truncation \
	-I$(QEMU_DIR)/guest -Iharness/scenario -Iharness/common

# Host side: the component's objects (built by the top Makefile's pattern rule and CFLAGS).
.PHONY: qemu-agent qemu-fio qemu-image qemu-kernel qemu-kernel-kasan qemu-test qemu-clean
qemu-agent: $(QEMU_AGENT)
qemu-fio: $(QEMU_FIO)
qemu-image: $(QEMU_IMAGE) qemu-kernel
# The script keeps its own cache key (fragment, script, source package version): a no-op when
# nothing changed.
qemu-kernel:
	@$(QEMU_DIR)/kernel/build-kernel.sh $(QEMU_IMAGE_DIR)
# The sanitizer guest for `fuzz guest --guest kasan` (KASAN, UBSAN, DEBUG_LIST): its own cache.
qemu-kernel-kasan:
	@$(QEMU_DIR)/kernel/build-kernel.sh $(QEMU_IMAGE_DIR)/kasan kasan

$(QEMU_AGENT): $(QEMU_AGENT_SRCS) $(QEMU_AGENT_HDRS)
	@$(QEMU_DIR)/deps.sh
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(QEMU_AGENT_CFLAGS) -o $@ $(QEMU_AGENT_SRCS)

$(QEMU_FIO): $(QEMU_DIR)/build-fio.sh
	$(QEMU_DIR)/build-fio.sh $(QEMU_IMAGE_DIR)

$(QEMU_IMAGE): $(QEMU_AGENT) $(QEMU_FIO) $(QEMU_DIR)/guest/init $(QEMU_DIR)/build-image.sh $(QEMU_DIR)/deps.sh
	$(QEMU_DIR)/build-image.sh $(QEMU_IMAGE_DIR) $(QEMU_AGENT) $(QEMU_FIO)

# The stack module starts virtiofsd and the guest, as for every other run.
qemu-test: $(QEMU_IMAGE) all
	$(BUILD)/baoharness run --frontend qemu-native --stats scenarios/seed-demo.scn

# Keeps the downloaded .debs and the kernel (the slow parts); removes what is built from them.
qemu-clean:
	rm -rf $(QEMU_IMAGE_DIR)/initramfs $(QEMU_IMAGE_DIR)/initramfs.cpio.gz $(QEMU_AGENT) \
		$(QEMU_IMAGE_DIR)/debian
