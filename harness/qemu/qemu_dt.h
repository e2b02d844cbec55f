/* qemu_dt.h - the device tree the trapped guest boots with: the Bao demo's frontend.dts (RAM at
 * 0x30000000, the 16 MiB window at 0x10000000 as a restricted-dma-pool, virtio@a003e00 with
 * memory-region, GICv3, PL011 at 0x9002000), its whole-RAM variant for a kernel without the
 * restricted pool, or the user's own (--dtb/--dts) with only /chosen changed. The memory layout
 * the EL2 stub must give the guest is read back from the very tree the guest gets. */
#ifndef HARNESS_QEMU_DT_H
#define HARNESS_QEMU_DT_H

#include <stddef.h>
#include <stdint.h>

#include "qemu_fdt.h"

/* The demo's frontend (bao-demos-virtio demo-3 frontend.dts). */
#define QEMU_DT_DEMO_RAM_IPA UINT64_C(0x30000000)
#define QEMU_DT_DEMO_RAM_SIZE UINT64_C(0x40000000) /* 1 GiB */
#define QEMU_DT_DEMO_WINDOW UINT64_C(0x01000000)   /* 16 MiB */
#define QEMU_DT_DEMO_UART UINT64_C(0x09002000)
#define QEMU_DT_DEMO_UART_SPI 11
#define QEMU_DT_WHOLE_WINDOW                                                                       \
	UINT64_C(0x10000000) /* whole-RAM variant: 256 MiB of RAM = the window */
#define QEMU_DT_VCPUS_MAX 4

enum qemu_dt_builtin {
	QEMU_DT_DEMO,	   /* the demo's frontend.dts */
	QEMU_DT_WHOLE_RAM, /* the same devices; RAM = the window, no pool (Debian's kernels) */
};

/* What the guest's tree says its memory and devices are, checked against what the stub can
 * give it (the trap region, QEMU's GIC, one PL011). */
struct qemu_dt_layout {
	uint64_t window_size;	    /* the shared window at 0x10000000 */
	uint64_t ram_ipa, ram_size; /* private RAM; ram_size 0: the window is all the RAM */
	uint64_t uart_ipa;	    /* where the guest sees the PL011 */
	uint32_t uart_virq;	    /* and under which INTID */
	int ncpus;		    /* cpu nodes */
	int restricted_pool; /* the virtio node's memory-region is a restricted-dma-pool there */
	uint64_t boot_ipa;   /* base the DTB, Image and initramfs are loaded at (+1, +2, +64 MiB) */
};

struct qemu_dt_params {
	const char *workdir;		 /* guest.dts, guest.dtb, dtc.log land here */
	const char *user_dtb, *user_dts; /* the user's tree (at most one); NULL: built-in */
	enum qemu_dt_builtin builtin;
	int vcpus;	      /* built-in: cpu nodes (1..QEMU_DT_VCPUS_MAX) */
	const char *bootargs; /* /chosen/bootargs */
	uint64_t initrd_size; /* the initramfs, loaded at boot_ipa + EL2_WIN_INITRD_OFF */
};

/* Produce workdir/guest.dtb (path in dtb) and its layout. A user's tree is compiled (dts) and
 * checked, and only /chosen's bootargs and linux,initrd-start/-end are changed (logged as a
 * warning naming the old and new values). Returns 0, -ENOENT (no dtc, or the user's file is
 * missing), -EINVAL (a tree the stub cannot host: the reason in why), -EIO (dtc failed: its
 * messages in workdir/dtc.log, quoted in why) or -errno. */
int qemu_dt_prepare(const struct qemu_dt_params *p, struct qemu_dt_layout *l, char *dtb,
		    size_t dtblen, char *why, size_t whylen);
/* The guest's pieces before they are loaded: kernel an arm64 Image (its header's magic) small
 * enough for the layout, initrd a regular file of at most EL2_WIN_INITRD_MAX bytes (its size
 * in *initrd_size). 0, or -errno with the reason in why. */
int qemu_dt_image_check(const char *kernel, const char *initrd, uint64_t *initrd_size, char *why,
			size_t whylen);
/* The layout a parsed tree describes, or -EINVAL with the reason (no virtio,mmio node, one at
 * another address than the trap region 0xa003e00+0x200 or another interrupt than SPI 47, a GIC
 * elsewhere than QEMU's, no or several PL011s, memory the stub cannot map). */
int qemu_dt_layout(const struct qemu_fdt *f, struct qemu_dt_layout *l, char *why, size_t whylen);

#endif
