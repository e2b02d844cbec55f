/* interrupt.c - the signal side of "nothing left behind": the handler only does what is
 * async-signal-safe (kill the watched process groups, remember the signal); the commands look
 * at interrupt_signal() between steps and do the real cleanup on their normal path. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "interrupt.h"

#define INTERRUPT_GROUPS 64

static atomic_int interrupt_groups[INTERRUPT_GROUPS];
static volatile sig_atomic_t interrupt_sig;

static void interrupt_handler(int sig)
{
	int saved = errno;

	if (!interrupt_sig)
		interrupt_sig = sig;
	for (int i = 0; i < INTERRUPT_GROUPS; i++) {
		int g = atomic_load(&interrupt_groups[i]);

		if (g > 0)
			kill(-g, SIGKILL);
	}
	errno = saved;
}

void interrupt_install(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = interrupt_handler;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

int interrupt_signal(void)
{
	return interrupt_sig;
}

int interrupt_watch(pid_t pgid)
{
	for (int i = 0; i < INTERRUPT_GROUPS; i++) {
		int expected = 0;

		if (atomic_compare_exchange_strong(&interrupt_groups[i], &expected, (int)pgid)) {
			/* A signal that came before the group existed still ends it. */
			if (interrupt_sig)
				kill(-pgid, SIGKILL);
			return 0;
		}
	}
	return -ENOSPC;
}

void interrupt_unwatch(pid_t pgid)
{
	for (int i = 0; i < INTERRUPT_GROUPS; i++) {
		int expected = (int)pgid;

		if (atomic_compare_exchange_strong(&interrupt_groups[i], &expected, 0))
			return;
	}
}

const char *interrupt_name(int sig)
{
	switch (sig) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	default:
		return "a signal";
	}
}
