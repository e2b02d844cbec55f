/* el2_mbox.c - the stub's end of the mailbox (el2_mailbox.h): post one trapped access as a
 * request and wait, bounded, for the host's completion; see whether the device raised its
 * interrupt. While waiting the vCPU sleeps in WFI on short CNTHP timeouts so QEMU's thread
 * does not spin against the host's server for the CPU. */
#include "el2.h"

#define EL2_MBOX_SPIN 200    /* polls before sleeping */
#define EL2_MBOX_SLEEP_US 20 /* WFI timeout between polls */

static uint64_t mbox_seq;

static int el2_mbox_done(uint64_t seq)
{
	return __atomic_load_n(&el2_mb->resp_seq, __ATOMIC_ACQUIRE) == seq;
}

int el2_mbox_forward(uint64_t addr, unsigned int op, unsigned int width, uint64_t *value)
{
	uint32_t tmo_ms = el2_mb->resp_timeout_ms ? el2_mb->resp_timeout_ms : 5000;
	uint64_t seq = ++mbox_seq, deadline;
	int i;

	el2_mb->req_addr = addr;
	el2_mb->req_op = op;
	el2_mb->req_value = op == EL2_OP_WRITE ? *value : 0;
	el2_mb->req_width = width;
	el2_mb->req_cntpct = el2_tick_now();
	__atomic_store_n(&el2_mb->req_seq, seq, __ATOMIC_RELEASE);
	el2_db_ring();
	for (i = 0; i < EL2_MBOX_SPIN && !el2_mbox_done(seq); i++)
		;
	if (i == EL2_MBOX_SPIN) {
		deadline = el2_tick_now() + el2_tick_us((uint64_t)tmo_ms * 1000);
		/* Announce the sleep, then look again (both sides fence between their store and
		 * their load): either we see the response or the host sees the flag and rings. */
		__atomic_store_n(&el2_mb->req_sleeping, 1, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		while (!el2_mbox_done(seq)) {
			if (el2_tick_now() > deadline ||
			    __atomic_load_n(&el2_mb->host_stop, __ATOMIC_ACQUIRE)) {
				el2_mb->req_sleeping = 0;
				el2_mb->n_resp_timeouts++;
				*value = ~0ULL;
				return -1;
			}
			/* With the doorbell the host's byte wakes the WFI; the timer is a safety
			 * net. */
			el2_tick_arm_in(el2_db_enabled() ? 1000 : EL2_MBOX_SLEEP_US);
			wfi();
		}
		el2_mb->req_sleeping = 0;
		el2_db_drain();
	}
	if (el2_mb->resp_status != 0) {
		*value = ~0ULL;
		return -1;
	}
	if (op == EL2_OP_READ)
		*value = el2_mb->resp_value;
	return 0;
}

int el2_mbox_irq_pending(void)
{
	return __atomic_load_n(&el2_mb->irq_seq, __ATOMIC_ACQUIRE) != el2_mb->irq_done;
}

/* Several host interrupts before the stub looked coalesce into one (edge semantics). */
void el2_mbox_irq_consume(void)
{
	el2_mb->irq_done = __atomic_load_n(&el2_mb->irq_seq, __ATOMIC_ACQUIRE);
}
