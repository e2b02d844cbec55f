/* el2_tick.c - the stub's poll tick on the EL2 physical timer (CNTHP, PPI 26, one per vCPU): the
 * host cannot interrupt a TCG vCPU, so the stub looks at the mailbox on every tick. The period
 * is short (tick_active_us) for active_hold_us after any trapped access or injection on that
 * vCPU, long otherwise. */
#include "el2.h"

#define CNTHP_ENABLE 1ULL
#define CNTHP_ISTATUS (1ULL << 2)

static uint64_t tick_freq;
static uint64_t tick_active, tick_idle, tick_hold; /* in counter ticks, for every vCPU */

static uint64_t el2_tick_cfg(uint32_t us, uint32_t dflt)
{
	return el2_tick_us(us ? us : dflt);
}

void el2_tick_init(void)
{
	tick_freq = sysreg_read(cntfrq_el0);
	if (!tick_freq)
		tick_freq = 62500000; /* QEMU's default */
	el2_mb->cntfrq = tick_freq;
	tick_active = el2_tick_cfg(el2_mb->tick_active_us, 50);
	tick_idle = el2_tick_cfg(el2_mb->tick_idle_us, 1000);
	tick_hold = el2_tick_cfg(el2_mb->active_hold_us, 20000);
}

void el2_tick_cpu_init(void)
{
	el2_this_cpu()->armed_at = 0;
	sysreg_write(cnthp_ctl_el2, 0);
}

uint64_t el2_tick_now(void)
{
	isb();
	return sysreg_read(cntpct_el0);
}

uint64_t el2_tick_us(uint64_t us)
{
	return us * tick_freq / 1000000;
}

void el2_tick_note_activity(void)
{
	el2_this_cpu()->active_until = el2_tick_now() + tick_hold;
}

/* Timer registers are I/O for QEMU (each access takes its big lock, which its main loop
 * needs to deliver the host's doorbell): touch them only when the deadline must move. */
static void el2_tick_set(uint64_t cval)
{
	struct el2_cpu *c = el2_this_cpu();

	sysreg_write(cnthp_cval_el2, cval);
	if (!c->armed_at)
		sysreg_write(cnthp_ctl_el2, CNTHP_ENABLE);
	c->armed_at = cval;
	isb();
}

void el2_tick_arm_in(uint64_t us)
{
	el2_tick_set(el2_tick_now() + el2_tick_us(us));
}

/* Next tick at now + period unless an earlier one is still to come. Re-arming a fired tick
 * with a future compare value also drops the timer's level, so a tick that fired while the
 * stub was busy does not cost an extra exception after the eret. */
void el2_tick_arm(void)
{
	struct el2_cpu *c = el2_this_cpu();
	uint64_t now = el2_tick_now();
	uint64_t want = now + (now < c->active_until ? tick_active : tick_idle);

	if (c->armed_at && now < c->armed_at && c->armed_at <= want)
		return;
	el2_tick_set(want);
}

/* The tick's interrupt was taken: it is off until armed again. */
void el2_tick_disarm(void)
{
	sysreg_write(cnthp_ctl_el2, 0);
	el2_this_cpu()->armed_at = 0;
}

int el2_tick_fired(void)
{
	uint64_t at = el2_this_cpu()->armed_at;

	return at && el2_tick_now() >= at;
}
