/* clock.h - the one monotonic clock of the harness: every deadline, timeout and measurement
 * reads CLOCK_MONOTONIC through these, never a private helper of its own; and a sleep that a
 * signal does not cut short. */
#ifndef HARNESS_CLOCK_H
#define HARNESS_CLOCK_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

static inline int64_t clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline int64_t clock_now_ms(void)
{
	return clock_now_ns() / 1000000;
}

/* Sleep ms milliseconds, the whole of it even across signals. */
static inline void clock_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

#endif
