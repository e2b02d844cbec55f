/* el2_tick.c - the stub's poll tick on the EL2 physical timer (CNTHP, PPI 26): the host cannot
 * interrupt a TCG vCPU, so the stub looks at the mailbox on every tick. The period is short
 * (tick_active_us) for active_hold_us after any trapped access or injection, long otherwise. */
#include "el2.h"

#define CNTHP_ENABLE 1ULL
#define CNTHP_ISTATUS (1ULL << 2)

static uint64_t tick_freq;
static uint64_t tick_active, tick_idle, tick_hold; /* in counter ticks */
static uint64_t active_until;
static uint64_t armed_at; /* CNTHP_CVAL_EL2 while enabled, 0 when off */

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
	active_until = el2_tick_now() + tick_hold;
}

/* Timer registers are I/O for QEMU (each access takes its big lock, which its main loop
 * needs to deliver the host's doorbell): touch them only when the deadline must move. */
static void el2_tick_set(uint64_t cval)
{
	sysreg_write(cnthp_cval_el2, cval);
	if (!armed_at)
		sysreg_write(cnthp_ctl_el2, CNTHP_ENABLE);
	armed_at = cval;
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
	uint64_t now = el2_tick_now();
	uint64_t want = now + (now < active_until ? tick_active : tick_idle);

	if (armed_at && now < armed_at && armed_at <= want)
		return;
	el2_tick_set(want);
}

/* The tick's interrupt was taken: it is off until armed again. */
void el2_tick_disarm(void)
{
	sysreg_write(cnthp_ctl_el2, 0);
	armed_at = 0;
}

int el2_tick_fired(void)
{
	return armed_at && el2_tick_now() >= armed_at;
}
