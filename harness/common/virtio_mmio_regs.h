/* virtio_mmio_regs.h - the one virtio-mmio v2 register table (virtio 1.2 §4.2.2): offset,
 * name, width and access of every register. The device model decodes accesses with it; the
 * CLI's trap statistics, fakebao's messages (through a callback: fakebao itself knows nothing
 * of virtio) and the tests name registers from it. */
#ifndef HARNESS_VIRTIO_MMIO_REGS_H
#define HARNESS_VIRTIO_MMIO_REGS_H

#include <stdint.h>

#define VIRTIO_MMIO_REGS_R 1u /* the driver may read it */
#define VIRTIO_MMIO_REGS_W 2u /* the driver may write it */
/* Device-specific configuration space starts here; everything below is 32-bit registers. */
#define VIRTIO_MMIO_REGS_CONFIG 0x100u

struct virtio_mmio_regs_desc {
	uint32_t offset;
	const char *name;
	uint8_t width;	/* bytes: 4 for every register below the config space */
	uint8_t access; /* VIRTIO_MMIO_REGS_R | VIRTIO_MMIO_REGS_W */
};

/* The register at offset, or NULL (unknown, or in the config space). */
const struct virtio_mmio_regs_desc *virtio_mmio_regs_find(uint64_t offset);
/* Its name; "Config" in the config space, "reserved" elsewhere. Never NULL. */
const char *virtio_mmio_regs_name(uint64_t offset);

#endif
