/* stack_fakebao.c - the emulated hypervisor of a stack: fakebao's window and the trap region
 * of the device's registers, the guest bus a frontend in this process reaches them by, and the
 * audit of where the frontend's virtio buffers are (vq_audit.h), and `run --record`'s recorder
 * (stack_trace.h) on it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "stack.h"
#include "virtio_mmio_regs.h"
#include "stack_priv.h"

static int stack_fakebao_bus_read(void *ctx, uint64_t addr, unsigned int width, uint64_t *value)
{
	return fakebao_mmio_access(((struct stack *)ctx)->fb, 0, addr, BAO_IO_READ, width, value);
}

static int stack_fakebao_bus_write(void *ctx, uint64_t addr, unsigned int width, uint64_t value)
{
	struct stack *s = ctx;
	uint64_t v = value; /* the completion may overwrite it */
	int r = fakebao_mmio_access(s->fb, 0, addr, BAO_IO_WRITE, width, &v);

	if (!r && addr - STACK_MMIO_BASE < STACK_MMIO_SIZE)
		vq_audit_write(s->audit, addr - STACK_MMIO_BASE, value);
	return r;
}

static int stack_fakebao_bus_wait_irq(void *ctx, int timeout_ms)
{
	return fakebao_wait_irq(((struct stack *)ctx)->fb, timeout_ms);
}

int stack_fakebao_start(struct stack *s, const struct stack_opts *o, uint64_t addr, uint64_t size,
			int window_fd)
{
	char sock[PATH_MAX + 16];
	struct fakebao_config cfg = {
	    .shmem_addr = addr,
	    .shmem_size = size,
	    .irq = FAKEBAO_DEFAULT_IRQ,
	    .nr_vcpus = s->vcpus > 0 ? (unsigned int)s->vcpus : 1,
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
	if (!r) {
		s->audit = malloc(sizeof(*s->audit));
		if (!s->audit)
			return -ENOMEM;
		vq_audit_init(s->audit, fakebao_window(s->fb), addr, size);
		r = stack_trace_start(s, o, STACK_MMIO_BASE, STACK_MMIO_SIZE);
	}
	return r;
}

void stack_fakebao_stop(struct stack *s)
{
	stack_trace_stop(s);
	if (s->audit) {
		vq_audit_destroy(s->audit);
		free(s->audit);
		s->audit = NULL;
	}
	if (s->fb) {
		fakebao_destroy(s->fb);
		s->fb = NULL;
	}
}

void stack_fakebao_bus(struct stack *s)
{
	s->bus = (struct guest_bus){s,
				    stack_fakebao_bus_read,
				    stack_fakebao_bus_write,
				    stack_fakebao_bus_wait_irq,
				    fakebao_window(s->fb),
				    fakebao_window_gpa(s->fb),
				    fakebao_window_size(s->fb)};
}
