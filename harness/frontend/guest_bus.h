/* guest_bus.h - what a frontend guest sees of its machine: trapped MMIO accesses, an
 * interrupt line, and the shared-memory window its rings and buffers must live in.
 * fakebao provides it for the scripted frontend; unit tests provide a fake device. */
#ifndef HARNESS_GUEST_BUS_H
#define HARNESS_GUEST_BUS_H

#include <stdint.h>

struct guest_bus {
	void *ctx;
	/* A trapped access; returns 0 or -errno (-ETIMEDOUT when never completed). */
	int (*mmio_read)(void *ctx, uint64_t addr, unsigned int width, uint64_t *value);
	int (*mmio_write)(void *ctx, uint64_t addr, unsigned int width, uint64_t value);
	/* Wait up to timeout_ms for the device interrupt. Returns 1 when one arrived (and
	 * consumes it), 0 on timeout, -errno on error. timeout_ms 0 polls. */
	int (*wait_irq)(void *ctx, int timeout_ms);
	/* The window: guest-physical [mem_gpa, mem_gpa + mem_size) is host memory mem. */
	void *mem;
	uint64_t mem_gpa;
	uint64_t mem_size;
};

#endif
