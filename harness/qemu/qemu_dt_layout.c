/* qemu_dt_layout.c - read a guest device tree the way the EL2 stub must honour it: where RAM and
 * the shared window are, whether the virtio node is the trap region and keeps its DMA in a
 * restricted pool inside the window, where the console is. A tree the stub cannot host is
 * refused with the node and value at fault, before QEMU starts. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "el2_mailbox.h"
#include "qemu_dt.h"

#define QEMU_DT_MAX_RANGES 16
#define QEMU_DT_GICD 0x08000000ULL
#define QEMU_DT_GICR 0x080a0000ULL
#define QEMU_DT_VIRTIO_SPI 47

struct qemu_dt_range {
	uint64_t base, size;
};

static int qemu_dt_memory(const struct qemu_fdt *f, struct qemu_dt_range *r, int *n, char *why,
			  size_t whylen)
{
	*n = 0;
	for (int i = 0; i < f->n_nodes; i++) {
		uint64_t a, s;

		if (f->nodes[i].parent != 0 || !qemu_fdt_prop_is(f, i, "device_type", "memory"))
			continue;
		for (int k = 0; qemu_fdt_reg(f, i, "reg", k, &a, &s) == 0; k++) {
			if (*n == QEMU_DT_MAX_RANGES) {
				snprintf(why, whylen, "device tree: more than %d memory ranges",
					 QEMU_DT_MAX_RANGES);
				return -EINVAL;
			}
			if (s)
				r[(*n)++] = (struct qemu_dt_range){a, s};
		}
	}
	if (!*n) {
		snprintf(why, whylen, "device tree: no memory node (device_type = \"memory\")");
		return -EINVAL;
	}
	return 0;
}

/* The one virtio,mmio node: the trap region, SPI 47; *pool: its memory-region is a
 * restricted-dma-pool (node index, or -1). */
static int qemu_dt_virtio(const struct qemu_fdt *f, int *pool, char *why, size_t whylen)
{
	int node = -1;
	uint64_t a, s;
	char path[256];

	*pool = -1;
	for (int i = 0; i < f->n_nodes; i++) {
		if (!qemu_fdt_compatible(f, i, "virtio,mmio"))
			continue;
		qemu_fdt_path(f, i, path, sizeof(path));
		if (qemu_fdt_reg(f, i, "reg", 0, &a, &s) || a != EL2_MMIO_BASE ||
		    s != EL2_MMIO_SIZE) {
			snprintf(why, whylen,
				 "device tree: %s is not the trap region: want reg = <0x%llx "
				 "0x%llx> (Bao's remote-I/O device), got %s0x%" PRIx64
				 " 0x%" PRIx64,
				 path, EL2_MMIO_BASE, EL2_MMIO_SIZE,
				 qemu_fdt_prop(f, i, "reg") ? "" : "no reg: ", a, s);
			return -EINVAL;
		}
		if (node >= 0) {
			snprintf(why, whylen, "device tree: two virtio,mmio nodes at 0x%llx",
				 EL2_MMIO_BASE);
			return -EINVAL;
		}
		node = i;
	}
	if (node < 0) {
		snprintf(why, whylen,
			 "device tree: no virtio,mmio node; the trapped device is at reg = <0x%llx "
			 "0x%llx>, interrupt SPI %d",
			 EL2_MMIO_BASE, EL2_MMIO_SIZE, QEMU_DT_VIRTIO_SPI);
		return -EINVAL;
	}
	{
		const struct qemu_fdt_prop *irq = qemu_fdt_prop(f, node, "interrupts");
		const struct qemu_fdt_prop *mr = qemu_fdt_prop(f, node, "memory-region");

		if (!irq || irq->len < 8 || irq->val[0] | irq->val[1] | irq->val[2] | irq->val[3] ||
		    ((uint32_t)irq->val[4] << 24 | irq->val[5] << 16 | irq->val[6] << 8 |
		     irq->val[7]) != QEMU_DT_VIRTIO_SPI) {
			snprintf(why, whylen,
				 "device tree: %s must have interrupts = <0 %d ...> (SPI %d, INTID "
				 "%d: the interrupt the stub injects)",
				 path, QEMU_DT_VIRTIO_SPI, QEMU_DT_VIRTIO_SPI, EL2_VIRTIO_INTID);
			return -EINVAL;
		}
		if (mr && mr->len >= 4) {
			int r = qemu_fdt_by_phandle(f, (uint32_t)mr->val[0] << 24 |
							   (uint32_t)mr->val[1] << 16 |
							   (uint32_t)mr->val[2] << 8 | mr->val[3]);

			if (r >= 0 && qemu_fdt_compatible(f, r, "restricted-dma-pool"))
				*pool = r;
		}
	}
	return 0;
}

static int qemu_dt_gic(const struct qemu_fdt *f, char *why, size_t whylen)
{
	for (int i = 0; i < f->n_nodes; i++) {
		uint64_t d, r, s;

		if (!qemu_fdt_compatible(f, i, "arm,gic-v3"))
			continue;
		if (qemu_fdt_reg(f, i, "reg", 0, &d, &s) || qemu_fdt_reg(f, i, "reg", 1, &r, &s) ||
		    d != QEMU_DT_GICD || r != QEMU_DT_GICR) {
			snprintf(why, whylen,
				 "device tree: the GICv3 must be QEMU virt's (distributor 0x%llx, "
				 "redistributors 0x%llx)",
				 QEMU_DT_GICD, QEMU_DT_GICR);
			return -EINVAL;
		}
		return 0;
	}
	snprintf(why, whylen, "device tree: no arm,gic-v3 interrupt controller");
	return -EINVAL;
}

static int qemu_dt_uart(const struct qemu_fdt *f, struct qemu_dt_layout *l, char *why,
			size_t whylen)
{
	int node = -1;
	uint64_t a, s;

	for (int i = 0; i < f->n_nodes; i++) {
		if (!qemu_fdt_compatible(f, i, "arm,pl011"))
			continue;
		if (node >= 0) {
			snprintf(why, whylen,
				 "device tree: more than one arm,pl011 node (the guest has one "
				 "console: QEMU's PL011)");
			return -EINVAL;
		}
		node = i;
	}
	if (node < 0) {
		snprintf(why, whylen,
			 "device tree: no arm,pl011 node (the harness talks to the guest on it)");
		return -EINVAL;
	}
	{
		const struct qemu_fdt_prop *irq = qemu_fdt_prop(f, node, "interrupts");
		uint32_t spi = irq && irq->len >= 8
				   ? (uint32_t)irq->val[4] << 24 | (uint32_t)irq->val[5] << 16 |
					 (uint32_t)irq->val[6] << 8 | irq->val[7]
				   : 0;

		if (qemu_fdt_reg(f, node, "reg", 0, &a, &s) || (a & 0xfff) || a >= EL2_WINDOW_IPA ||
		    !irq || irq->val[3] != 0 || spi >= 988) {
			snprintf(why, whylen,
				 "device tree: the arm,pl011 node needs a page-aligned reg below "
				 "0x%llx and an SPI interrupt",
				 EL2_WINDOW_IPA);
			return -EINVAL;
		}
		l->uart_ipa = a;
		l->uart_virq = 32 + spi;
	}
	return 0;
}

/* The window at 0x10000000: the restricted pool's size, else a memory range starting there;
 * RAM: the memory outside it, one contiguous range (or none: the window is all of it). */
static int qemu_dt_ram(const struct qemu_fdt *f, int pool, struct qemu_dt_layout *l, char *why,
		       size_t whylen)
{
	struct qemu_dt_range r[QEMU_DT_MAX_RANGES];
	uint64_t a, s, win = QEMU_DT_DEMO_WINDOW;
	int n, rc = qemu_dt_memory(f, r, &n, why, whylen);

	if (rc)
		return rc;
	if (pool >= 0) {
		if (qemu_fdt_reg(f, pool, "reg", 0, &a, &s) || a != EL2_WINDOW_IPA || !s) {
			snprintf(why, whylen,
				 "device tree: the virtio node's restricted-dma-pool must be the "
				 "shared window at 0x%llx (got 0x%" PRIx64 ")",
				 EL2_WINDOW_IPA, a);
			return -EINVAL;
		}
		win = s;
	} else {
		/* No memory-region: the guest will not use the pool, but the window is still
		 * what the tree reserves for it, or all of a memory node that starts there. */
		for (int i = 0; i < f->n_nodes; i++)
			if (qemu_fdt_compatible(f, i, "restricted-dma-pool") &&
			    !qemu_fdt_reg(f, i, "reg", 0, &a, &s) && a == EL2_WINDOW_IPA && s)
				win = s;
		for (int i = 0; i < n; i++)
			if (r[i].base == EL2_WINDOW_IPA && n == 1)
				win = r[i].size;
	}
	l->window_size = win;
	l->ram_ipa = l->ram_size = 0;
	for (int i = 0; i < n; i++) {
		uint64_t b = r[i].base, e = r[i].base + r[i].size;

		if (b >= EL2_WINDOW_IPA && e <= EL2_WINDOW_IPA + win)
			continue; /* the window itself: Linux maps the pool from its memory */
		if (b < EL2_WINDOW_IPA + win && e > EL2_WINDOW_IPA) {
			snprintf(why, whylen,
				 "device tree: memory [0x%" PRIx64 ", 0x%" PRIx64 ") straddles the "
				 "shared window [0x%llx, 0x%llx)",
				 b, e, EL2_WINDOW_IPA, EL2_WINDOW_IPA + win);
			return -EINVAL;
		}
		if (l->ram_size && b == l->ram_ipa + l->ram_size) {
			l->ram_size += r[i].size;
		} else if (l->ram_size && e == l->ram_ipa) {
			l->ram_ipa = b;
			l->ram_size += r[i].size;
		} else if (l->ram_size) {
			snprintf(why, whylen,
				 "device tree: RAM in two pieces (0x%" PRIx64 " and 0x%" PRIx64
				 "); the stub backs one range besides the window",
				 l->ram_ipa, b);
			return -EINVAL;
		} else {
			l->ram_ipa = b;
			l->ram_size = r[i].size;
		}
	}
	l->boot_ipa = l->ram_size ? l->ram_ipa : EL2_WINDOW_IPA;
	return 0;
}

int qemu_dt_layout(const struct qemu_fdt *f, struct qemu_dt_layout *l, char *why, size_t whylen)
{
	int pool, cpus, rc;

	memset(l, 0, sizeof(*l));
	why[0] = '\0';
	if ((rc = qemu_dt_virtio(f, &pool, why, whylen)) || (rc = qemu_dt_gic(f, why, whylen)) ||
	    (rc = qemu_dt_uart(f, l, why, whylen)) || (rc = qemu_dt_ram(f, pool, l, why, whylen)))
		return rc;
	l->restricted_pool = pool >= 0;
	cpus = qemu_fdt_by_path(f, "/cpus");
	for (int i = 0; cpus >= 0 && i < f->n_nodes; i++)
		if (f->nodes[i].parent == cpus && qemu_fdt_prop_is(f, i, "device_type", "cpu"))
			l->ncpus++;
	if (!l->ncpus) {
		snprintf(why, whylen, "device tree: no cpu node under /cpus");
		return -EINVAL;
	}
	return 0;
}
