/* el2_mbox.c - the stub's end of the mailbox (el2_mailbox.h): post one trapped access as the
 * running vCPU's request and wait, bounded, for the host's completion; see whether the device
 * raised its interrupt. While waiting the vCPU sleeps in WFI on short CNTHP timeouts so QEMU's
 * thread does not spin against the host's server for the CPU. */
#include "el2.h"

#define EL2_MBOX_SPIN 200    /* polls before sleeping */
#define EL2_MBOX_SLEEP_US 20 /* WFI timeout between polls */

static int el2_mbox_done(volatile struct el2_mb_vcpu *v, uint64_t seq)
{
	return __atomic_load_n(&v->resp_seq, __ATOMIC_ACQUIRE) == seq;
}

int el2_mbox_forward(uint64_t addr, unsigned int op, unsigned int width, uint64_t *value)
{
	struct el2_cpu *c = el2_this_cpu();
	volatile struct el2_mb_vcpu *v = c->mbv;
	uint32_t tmo_ms = el2_mb->resp_timeout_ms ? el2_mb->resp_timeout_ms : 5000;
	uint64_t seq = ++c->seq, deadline;
	int i;

	v->req_addr = addr;
	v->req_op = op;
	v->req_value = op == EL2_OP_WRITE ? *value : 0;
	v->req_width = width;
	v->req_trap_cntpct = c->trap_cnt;
	v->req_cntpct = el2_tick_now();
	__atomic_store_n(&v->req_seq, seq, __ATOMIC_RELEASE);
	el2_db_ring();
	for (i = 0; i < EL2_MBOX_SPIN && !el2_mbox_done(v, seq); i++)
		;
	if (i == EL2_MBOX_SPIN && el2_mb->resp_spin_us) {
		/* Tuned: spin on the counter for a while; under TCG a sleeping vCPU only wakes
		 * through the doorbell's interrupt or its tick. */
		uint64_t until = el2_tick_now() + el2_tick_us(el2_mb->resp_spin_us);

		while (!el2_mbox_done(v, seq) && el2_tick_now() < until)
			;
		if (el2_mbox_done(v, seq))
			i = 0;
	}
	if (i == EL2_MBOX_SPIN) {
		deadline = el2_tick_now() + el2_tick_us((uint64_t)tmo_ms * 1000);
		/* Announce the sleep, then look again (both sides fence between their store and
		 * their load): either we see the response or the host sees the flag and rings. */
		__atomic_store_n(&v->req_sleeping, 1, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		while (!el2_mbox_done(v, seq)) {
			if (el2_tick_now() > deadline ||
			    __atomic_load_n(&el2_mb->host_stop, __ATOMIC_ACQUIRE)) {
				v->req_sleeping = 0;
				c->st->n_resp_timeouts++;
				*value = ~0ULL;
				return -1;
			}
			/* With the doorbell the host's byte wakes the WFI (on vCPU 0; it kicks the
			 * others); the timer is a safety net. */
			el2_tick_arm_in(el2_db_enabled() ? 1000 : EL2_MBOX_SLEEP_US);
			wfi();
			el2_gic_kick_sleepers();
		}
		v->req_sleeping = 0;
		el2_db_drain();
	}
	/* Read by the host when it serves this vCPU's next request. */
	v->resp_seen_cntpct = el2_tick_now();
	v->resp_seen_seq = seq;
	if (v->resp_status != 0) {
		*value = ~0ULL;
		return -1;
	}
	if (op == EL2_OP_READ)
		*value = v->resp_value;
	return 0;
}

int el2_mbox_irq_pending(void)
{
	return __atomic_load_n(&el2_mb->irq_seq, __ATOMIC_ACQUIRE) !=
	       __atomic_load_n(&el2_mb->irq_done, __ATOMIC_ACQUIRE);
}

/* Several host interrupts before the stub looked coalesce into one (edge semantics). Only one
 * vCPU takes a given sequence: 1 when this one did. */
int el2_mbox_irq_consume(void)
{
	uint64_t done = __atomic_load_n(&el2_mb->irq_done, __ATOMIC_ACQUIRE);
	uint64_t seq = __atomic_load_n(&el2_mb->irq_seq, __ATOMIC_ACQUIRE);

	return seq != done && __atomic_compare_exchange_n(&el2_mb->irq_done, &done, seq, 0,
							  __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}
