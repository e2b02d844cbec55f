/* stack_trace.h - the hypervisor's recording of a stack's frontend boundary (`run --record`,
 * trace format version 2 in fuse_trace.h): every trapped access, the chains of each kick with
 * their readable bytes, each used element with the bytes written, each interrupt. Watches
 * fakebao (fakebao_set_observer), so the scripted frontend and the trapped Linux guest are
 * recorded the same way. The queue registers and the chain walker are the ring audit's
 * (vq_audit.h), which the no-frontend replay uses too. */
#ifndef HARNESS_STACK_TRACE_H
#define HARNESS_STACK_TRACE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "fuse_trace.h"
#include "vq_audit.h"

/* Where records go: the caller's writer (run_record.c), called under the recorder's lock. */
typedef void (*stack_trace_fn)(void *arg, const struct fuse_trace_rec *r);

struct stack_trace {
	pthread_mutex_t lock; /* accesses, interrupts and reaps come from more than one thread */
	stack_trace_fn fn;
	void *arg;
	const uint8_t *win;
	uint64_t gpa, size, mmio_base, mmio_size;
	struct vq_audit_regs regs; /* the queues, from the trapped writes */
	uint64_t irqs;
	uint8_t *buf; /* a KICK's or USED's region list being built */
	size_t len, cap;
	int overflow; /* a region list over FUSE_TRACE_PART_MAX: that record was cut */
	/* A guest that takes used elements without a trapped access or an interrupt in between
	 * (Linux's callback loop, interrupts suppressed) and reuses their buffers: a thread looks
	 * every STACK_TRACE_POLL_US so their bytes are recorded before they are gone. */
	pthread_t poller;
	int polling;
	_Atomic int stop;
};

#define STACK_TRACE_POLL_US 20

/* What a recorder watches: the window as the host maps it, the device's registers, the
 * frontend's vCPUs and name (the STACK record). */
struct stack_trace_where {
	const void *win;
	uint64_t gpa, size, mmio_base, mmio_size;
	uint32_t vcpus;
	const char *frontend;
};
/* A recorder writing to fn (a STACK record at once): NULL when out of memory. */
struct stack_trace *stack_trace_open(const struct stack_trace_where *w, stack_trace_fn fn,
				     void *arg);
/* The last used elements recorded, then freed. NULL is fine. */
void stack_trace_close(struct stack_trace *t);
/* Start the poller (see struct stack_trace): 0 or -errno. */
int stack_trace_poll(struct stack_trace *t);
/* fakebao's observer callbacks (struct fakebao_observer), arg the recorder: an access before it
 * is served (after 0: kicks and used elements so far; the recorder's lock is then held until
 * the same access's after call) and once completed (after 1: its MMIO record); an interrupt. */
void stack_trace_access(void *arg, int after, unsigned int vcpu, uint64_t addr, unsigned int op,
			unsigned int width, uint64_t value, int rc);
void stack_trace_irq(void *arg);

struct stack;
struct stack_opts;
/* With o->trace set: a recorder on s->fb (after fakebao_create), a STACK record first. 0 or
 * -ENOMEM. */
int stack_trace_start(struct stack *s, const struct stack_opts *o, uint64_t mmio_base,
		      uint64_t mmio_size);
/* Used elements the device returned since the last look (the scripted frontend calls this
 * through its bus before it reaps them, as the Linux guest's interrupt does). NULL t: none. */
void stack_trace_sync(struct stack_trace *t);
void stack_trace_stop(struct stack *s);

#endif
