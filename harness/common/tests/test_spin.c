/* test_spin.c - a spinner yields its CPU to the party it waits for when both share one CPU.
 * Both threads run SCHED_FIFO at one priority on CPU 0, where a spinner that never yields is
 * never preempted by its peer: the peer can only run when spin_pause yields, so the test is
 * deterministic. Needs CAP_SYS_NICE (root, as the scenario tests); skipped without it. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"
#include "spin.h"

static _Atomic int peer_done;

static void *peer_run(void *arg)
{
	(void)arg;
	atomic_store(&peer_done, 1);
	return NULL;
}

/* Spin (politely or not) until the peer ran or 300 ms passed; 1 when it ran. */
static int spin_for_peer(int polite)
{
	struct spin_yield y = {0};
	int64_t end = clock_now_ns() + 300 * 1000000LL;

	for (;;) {
		int64_t now = clock_now_ns();

		if (atomic_load(&peer_done))
			return 1;
		if (now >= end)
			return 0;
		if (polite)
			spin_pause(now, &y);
		else
			spin_cpu_relax();
	}
}

/* Run spin_for_peer on CPU 0 under SCHED_FIFO with the peer queued behind it. */
static int run_pinned(int polite, int *ran)
{
	struct sched_param sp = {.sched_priority = 1};
	pthread_attr_t a;
	pthread_t peer;
	cpu_set_t one;
	int rc;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	atomic_store(&peer_done, 0);
	rc = pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
	rc = rc ? rc : pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (rc)
		return -rc;
	pthread_attr_init(&a);
	pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&a, SCHED_FIFO);
	pthread_attr_setschedparam(&a, &sp);
	pthread_attr_setaffinity_np(&a, sizeof(one), &one);
	rc = pthread_create(&peer, &a, peer_run, NULL);
	pthread_attr_destroy(&a);
	if (rc)
		return -rc;
	*ran = spin_for_peer(polite);
	sp.sched_priority = 0;
	pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);
	pthread_join(peer, NULL);
	return 0;
}

/* run_pinned, skipped without CAP_SYS_NICE: 1 when the peer ran during the spin. */
static int peer_ran_during_spin(int polite)
{
	int ran = -1, rc = run_pinned(polite, &ran);

	if (rc == -EPERM)
		skip();
	assert_int_equal(rc, 0);
	return ran;
}

static void test_spinner_lets_its_peer_run(void **state)
{
	(void)state;
	assert_true(peer_ran_during_spin(1));
}

/* The control: without the yield the peer stays queued for the whole spin. */
static void test_busy_spinner_starves_its_peer(void **state)
{
	(void)state;
	assert_false(peer_ran_during_spin(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spinner_lets_its_peer_run),
	    cmocka_unit_test(test_busy_spinner_starves_its_peer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
