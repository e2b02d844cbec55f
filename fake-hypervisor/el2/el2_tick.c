/* el2_tick.c - the stub's poll tick on the EL2 physical timer (CNTHP, PPI 26): the host cannot
 * interrupt a TCG vCPU, so the stub looks at the mailbox on every tick. The period is short
 * (tick_active_us) for active_hold_us after any trapped access or injection, long otherwise. */
#include "el2.h"

#define CNTHP_ENABLE 1ULL
#define CNTHP_ISTATUS (1ULL << 2)

static uint64_t tick_freq;
static uint64_t tick_active, tick_idle, tick_hold; /* in counter ticks */
static uint64_t active_until;

static uint64_t el2_tick_cfg(uint32_t us, uint32_t dflt)
{
	return el2_tick_us(us ? us : dflt);
}

void el2_tick_init(void)
{
	tick_freq = sysreg_read(cntfrq_el0);
	if (!tick_freq)
		tick_freq = 62500000; /* QEMU's default */
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

void el2_tick_arm_in(uint64_t us)
{
	sysreg_write(cnthp_cval_el2, el2_tick_now() + el2_tick_us(us));
	sysreg_write(cnthp_ctl_el2, CNTHP_ENABLE);
	isb();
}

/* Writing a future compare value also drops the timer's level, so a tick that fired while the
 * stub was busy does not cost an extra exception after the eret. */
void el2_tick_arm(void)
{
	uint64_t now = el2_tick_now();

	sysreg_write(cnthp_cval_el2, now + (now < active_until ? tick_active : tick_idle));
	sysreg_write(cnthp_ctl_el2, CNTHP_ENABLE);
	isb();
}

int el2_tick_fired(void)
{
	return (sysreg_read(cnthp_ctl_el2) & CNTHP_ISTATUS) != 0;
}
