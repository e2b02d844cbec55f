/* spin.h - polite busy-waiting for the harness's poll-then-block waits (the frontend's used-ring
 * poll, fakebao's completion wait, the device model's request wait). Spinning only pays when the
 * party being waited for runs on another CPU; on this 2-CPU machine three processes take turns,
 * and a spinner that shares its CPU with the party it waits for only delays it (one CPU: 3x
 * fewer GETATTRs/s than without spinning). So a spinner yields its CPU now and then: if the
 * other party is queued on the same CPU it runs at once instead of after the spinner's time
 * slice; if not, sched_yield returns at once (~0.5 us here) and the spin goes on. The first
 * yield comes after SPIN_YIELD_FIRST_NS, later ones at doubling intervals, so a fast completion
 * on another CPU (the common case, a few us) pays no yield at all. A process allowed on one CPU
 * only (`--cpus 0`) has nobody to spin against: it yields on every round. */
#ifndef HARNESS_SPIN_H
#define HARNESS_SPIN_H

#include <sched.h>
#include <stdint.h>

#ifndef SPIN_YIELD_FIRST_NS
#define SPIN_YIELD_FIRST_NS 4000
#endif
#define SPIN_YIELD_MAX_NS 32000

struct spin_yield {
	int64_t next;	  /* time of the next yield; 0 before the first round */
	int64_t interval; /* until the one after */
};

static inline void spin_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* 1 when this process may run on one CPU only. Read once: the harness sets its CPUs (and
 * its children inherit them) before anything spins. */
static inline int spin_alone_on_one_cpu(void)
{
	static int alone = -1;
	cpu_set_t set;

	if (alone < 0)
		alone = sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) == 1;
	return alone;
}

/* One round of a spin at time now (ns, monotonic); y starts zeroed. */
static inline void spin_pause(int64_t now, struct spin_yield *y)
{
	if (!y->next) {
		y->interval = spin_alone_on_one_cpu() ? 0 : SPIN_YIELD_FIRST_NS;
		y->next = now + y->interval;
	}
	if (now >= y->next) {
		sched_yield();
		if (y->interval < SPIN_YIELD_MAX_NS)
			y->interval *= 2;
		y->next = now + y->interval;
	}
	spin_cpu_relax();
}

#endif
