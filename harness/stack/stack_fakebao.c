/* stack_fakebao.c - the emulated hypervisor of a stack: fakebao's window and the trap region
 * of the device's registers, and the guest bus a frontend in this process reaches them by. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "stack.h"
#include "virtio_mmio_regs.h"
#include "stack_priv.h"

static int stack_fakebao_bus_read(void *ctx, uint64_t addr, unsigned int width, uint64_t *value)
{
	return fakebao_mmio_access(ctx, 0, addr, BAO_IO_READ, width, value);
}

static int stack_fakebao_bus_write(void *ctx, uint64_t addr, unsigned int width, uint64_t value)
{
	return fakebao_mmio_access(ctx, 0, addr, BAO_IO_WRITE, width, &value);
}

static int stack_fakebao_bus_wait_irq(void *ctx, int timeout_ms)
{
	return fakebao_wait_irq(ctx, timeout_ms);
}

int stack_fakebao_start(struct stack *s, const struct stack_opts *o, uint64_t addr, uint64_t size,
			int window_fd)
{
	char sock[PATH_MAX + 16];
	struct fakebao_config cfg = {
	    .shmem_addr = addr,
	    .shmem_size = size,
	    .irq = FAKEBAO_DEFAULT_IRQ,
	    .nr_vcpus = 1,
	    .window_fd = window_fd,
	    .socket_path = sock,
	    .trap_timeout_ms = o->step_timeout_ms,
	    .reg_name = virtio_mmio_regs_name,
	    .spin_us = o->wait == FE_WAIT_BLOCK ? 0 : 50,
	};
	int r;

	snprintf(sock, sizeof(sock), "%s/fakebao.sock", s->rundir);
	r = fakebao_create(&cfg, &s->fb);
	if (!r)
		r = fakebao_add_trap_region(s->fb, STACK_MMIO_BASE, STACK_MMIO_SIZE, 0);
	return r;
}

void stack_fakebao_bus(struct stack *s)
{
	s->bus = (struct guest_bus){s->fb,
				    stack_fakebao_bus_read,
				    stack_fakebao_bus_write,
				    stack_fakebao_bus_wait_irq,
				    fakebao_window(s->fb),
				    fakebao_window_gpa(s->fb),
				    fakebao_window_size(s->fb)};
}
