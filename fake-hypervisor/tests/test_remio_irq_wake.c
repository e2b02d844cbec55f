/* test_remio_irq_wake.c - the device model's request wait wakes (and spins again) when its
 * backend raises an interrupt, so the InterruptStatus read that follows does not pay a wake-up;
 * it neither consumes the irqfd (the frontend's interrupt) nor busy-waits on an unread one.
 * remio_fetch runs on a control page in plain memory; no fakebao or device model is started. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "fakebao_shm.h"
#include "remio.h"

#define SPIN_US 100000 /* long enough to watch the spin from the test thread */

struct fetcher {
	struct fakebao_shm *shm;
	int doorbell, irq_watch;
	int rc;
	struct bao_virtio_request req;
	pthread_t t;
};

static void *fetcher_run(void *arg)
{
	struct fetcher *f = arg;

	f->rc = remio_fetch(f->shm, 0, SPIN_US, 3000, f->doorbell, f->irq_watch, &f->req);
	return NULL;
}

/* The sleeper count stays want for ms (sampled): a spin, not a momentary slice boundary. */
static int holds_sleepers(struct fakebao_shm *shm, uint32_t want, int ms)
{
	int64_t end = clock_now_ns() + (int64_t)ms * 1000000;

	while (clock_now_ns() < end) {
		if (atomic_load(&shm->q[0].sleepers) != want)
			return -EAGAIN;
		usleep(50);
	}
	return 0;
}

/* Wait up to ms for the queue's sleeper count to become want; 0 or -ETIMEDOUT. */
static int wait_sleepers(struct fakebao_shm *shm, uint32_t want, int ms)
{
	int64_t end = clock_now_ns() + (int64_t)ms * 1000000;

	while (atomic_load(&shm->q[0].sleepers) != want) {
		if (clock_now_ns() > end)
			return -ETIMEDOUT;
		usleep(50);
	}
	return 0;
}

static void test_interrupt_restarts_the_spin(void **state)
{
	struct fakebao_shm *shm = calloc(1, sizeof(*shm));
	struct bao_virtio_request req = {
	    .dm_id = 0, .addr = 0xa003070, .op = BAO_IO_READ, .access_width = 4, .request_id = 1};
	struct fetcher f = {.shm = shm};
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET};
	int irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint64_t one = 1, cnt = 0;

	(void)state;
	assert_non_null(shm);
	atomic_store(&shm->alive, 1);
	f.doorbell = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	f.irq_watch = epoll_create1(EPOLL_CLOEXEC);
	assert_true(irqfd >= 0 && f.doorbell >= 0 && f.irq_watch >= 0);
	ev.data.fd = irqfd;
	assert_int_equal(epoll_ctl(f.irq_watch, EPOLL_CTL_ADD, irqfd, &ev), 0);
	assert_int_equal(pthread_create(&f.t, NULL, fetcher_run, &f), 0);

	/* Spun out and asleep; the backend raises its interrupt: awake and spinning again. */
	assert_int_equal(wait_sleepers(shm, 1, 1000), 0);
	assert_int_equal(write(irqfd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(wait_sleepers(shm, 0, 1000), 0);
	assert_int_equal(holds_sleepers(shm, 0, SPIN_US / 5000), 0);
	/* The interrupt is still there for the frontend to take, and the unread irqfd does not
	 * keep the device model awake: it goes back to sleep after one spin. */
	assert_int_equal(wait_sleepers(shm, 1, 1000), 0);
	assert_int_equal(read(irqfd, &cnt, sizeof(cnt)), sizeof(cnt));
	assert_int_equal(cnt, 1);

	/* A request still reaches it through the doorbell. */
	assert_int_equal(remio_enqueue(shm, 0, &req, f.doorbell), 0);
	assert_int_equal(pthread_join(f.t, NULL), 0);
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.req.addr, req.addr);
	assert_int_equal(f.req.request_id, 1);
	close(irqfd);
	close(f.doorbell);
	close(f.irq_watch);
	free(shm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_interrupt_restarts_the_spin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
