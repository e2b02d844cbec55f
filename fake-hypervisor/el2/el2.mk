# el2.mk - the EL2 trap stub and the trapped-mode QEMU driver, included by the top Makefile:
#   el2-stub            build/el2/bao-el2.elf (freestanding aarch64, QEMU's ELF -kernel)
#   qemu-trapped-test   the seed demo on the guest under the stub, every virtio-mmio access
#                       trapped (baoharness run --frontend qemu; needs root)
# Like the guest image, the stub does not depend on the host build flavour: it lives in build/el2.

EL2_SRC_DIR := fake-hypervisor/el2
EL2_OUT ?= build/el2
EL2_ELF := $(EL2_OUT)/bao-el2.elf
EL2_CC ?= aarch64-linux-gnu-gcc
EL2_CFLAGS := -std=c11 $(WARN) -O2 -g -ffreestanding -nostdlib -mgeneral-regs-only -mstrict-align \
	-fno-pic -fno-stack-protector -mno-outline-atomics -static -Ifake-hypervisor/include -I$(EL2_SRC_DIR)
EL2_LDFLAGS := -nostdlib -static -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-T,$(EL2_SRC_DIR)/el2.ld
EL2_SRCS := $(wildcard $(EL2_SRC_DIR)/*.c) $(EL2_SRC_DIR)/start.S
EL2_HDRS := $(wildcard $(EL2_SRC_DIR)/*.h) fake-hypervisor/include/el2_mailbox.h

.PHONY: el2-stub qemu-trapped-test
el2-stub: $(EL2_ELF)

$(EL2_ELF): $(EL2_SRCS) $(EL2_HDRS) $(EL2_SRC_DIR)/el2.ld
	@$(QEMU_DIR)/deps.sh
	@mkdir -p $(dir $@)
	$(EL2_CC) $(EL2_CFLAGS) $(EL2_LDFLAGS) -o $@ $(EL2_SRCS)

qemu-trapped-test: $(EL2_ELF) $(QEMU_IMAGE) all
	$(BUILD)/baoharness run --frontend qemu --stats scenarios/seed-demo.scn
