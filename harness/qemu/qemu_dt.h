/* qemu_dt.h - the device tree the trapped mode's guest sees: Bao's frontend view (RAM = the
 * shared window at IPA 0x10000000, one virtio-mmio node at 0xa003e00, GICv3, PL011, PSCI), no
 * PCIe and nothing of the EL2 stub's memory. */
#ifndef HARNESS_QEMU_DT_H
#define HARNESS_QEMU_DT_H

#include <stddef.h>
#include <stdint.h>

struct qemu_dt_params {
	uint64_t ram_base, ram_size;	    /* the window, as the guest's only memory */
	uint64_t initrd_start, initrd_size; /* guest-physical */
	const char *bootargs;
};

/* Write workdir/guest.dts and compile it with dtc into workdir/guest.dtb (path in dtb).
 * Returns 0, -ENOENT (no dtc: Debian package device-tree-compiler), -EIO (dtc failed; its
 * output is in workdir/dtc.log) or -errno. */
int qemu_dt_build(const char *workdir, const struct qemu_dt_params *p, char *dtb, size_t len);

#endif
