/* test_fakebao_fault.c - fakebao when things go wrong: a device model that disconnects (its
 * waiting vCPU fails at once with ENODEV; later accesses wait a short grace for a new one;
 * stale requests never reach the next one) and interrupt faults (lost, late). The device
 * model's side runs through fakebao_dm, the same code bao_preload uses. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "fakebao.h"
#include "fakebao_dm.h"

#define BASE 0xa003e00ULL
#define GRACE_MS 200

struct fixture {
	char dir[64];
	char sock[128];
	struct fakebao *fb;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct fakebao_config cfg = {
	    .shmem_addr = FAKEBAO_DEFAULT_SHMEM_ADDR,
	    .shmem_size = FAKEBAO_DEFAULT_SHMEM_SIZE,
	    .irq = FAKEBAO_DEFAULT_IRQ,
	    .nr_vcpus = 2,
	    .window_fd = -1,
	    .trap_timeout_ms = 5000,
	    .spin_us = 10,
	    .dm_lost_grace_ms = GRACE_MS,
	};

	snprintf(f->dir, sizeof(f->dir), "/tmp/fakebao-fault-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/fb.sock", f->dir);
	cfg.socket_path = f->sock;
	assert_int_equal(fakebao_create(&cfg, &f->fb), 0);
	assert_int_equal(fakebao_add_trap_region(f->fb, BASE, 0x200, 0), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fakebao_destroy(f->fb);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* A device model connects and asks DM_GET_INFO for dm 0: it is attached. */
static void dm_up(struct fixture *f, struct fakebao_dm_conn *dm)
{
	struct bao_dm_info info = {.id = 0};

	assert_int_equal(fakebao_dm_connect(dm, f->sock, 1000), 0);
	assert_int_equal(fakebao_dm_get_info(dm, &info), 0);
	close(info.fd);
}

static void dm_down(struct fixture *f, struct fakebao_dm_conn *dm)
{
	fakebao_dm_disconnect(dm);
	/* fakebao's control thread sees the hang-up asynchronously. */
	for (int i = 0; i < 200 && fakebao_dm_connected(f->fb); i++)
		usleep(1000);
	assert_int_equal(fakebao_dm_connected(f->fb), 0);
}

struct access {
	struct fakebao *fb;
	uint64_t addr;
	unsigned int op;
	uint64_t value;
	int ret;
	int64_t ms; /* how long the access took */
};

static void *access_thread(void *arg)
{
	struct access *a = arg;
	int64_t t0 = clock_now_ms();

	a->ret = fakebao_mmio_access(a->fb, 0, a->addr, a->op, 4, &a->value);
	a->ms = clock_now_ms() - t0;
	return NULL;
}

static void test_waiter_fails_when_dm_dies(void **state)
{
	struct fixture *f = *state;
	struct access a = {f->fb, BASE + 0x70, BAO_IO_READ, 0, 1, 0};
	struct fakebao_dm_conn dm;
	struct bao_virtio_request req;
	pthread_t t;

	dm_up(f, &dm);
	/* The vCPU reads Status; the device model fetches the request and dies with it. */
	pthread_create(&t, NULL, access_thread, &a);
	assert_int_equal(fakebao_dm_attach(&dm, 0, &req), 0);
	dm_down(f, &dm);
	pthread_join(t, NULL);
	/* Not the 5 s trap timeout: ENODEV as soon as fakebao sees the disconnect. */
	assert_int_equal(a.ret, -ENODEV);
	assert_true(a.ms < 1000);
	assert_int_equal(fakebao_fault_dm_lost(f->fb, 0), 1);
}

static void test_after_loss_grace_then_enodev(void **state)
{
	struct fixture *f = *state;
	struct access a = {f->fb, BASE + 0x50, BAO_IO_WRITE, 1, 1, 0};
	struct fakebao_stats st;
	struct fakebao_dm_conn dm;

	dm_up(f, &dm);
	dm_down(f, &dm);
	/* No device model comes back: a new access waits only the grace. */
	access_thread(&a);
	assert_int_equal(a.ret, -ENODEV);
	assert_true(a.ms >= GRACE_MS - 20 && a.ms < GRACE_MS + 1000);
	fakebao_get_stats(f->fb, &st);
	assert_int_equal(st.dm_lost_failures, 1);
	assert_int_equal(st.trap_timeouts, 0);
}

static void test_restart_within_grace_serves(void **state)
{
	struct fixture *f = *state;
	struct access a = {f->fb, BASE + 0x0, BAO_IO_READ, 0, 1, 0};
	struct fakebao_dm_conn dm, dm2;
	struct bao_virtio_request req;
	pthread_t t;

	dm_up(f, &dm);
	dm_down(f, &dm);
	/* An access in the restart window stays queued ... */
	pthread_create(&t, NULL, access_thread, &a);
	usleep(50 * 1000);
	/* ... and the new device model gets exactly it. */
	dm_up(f, &dm2);
	assert_int_equal(fakebao_dm_attach(&dm2, 0, &req), 0);
	assert_int_equal(req.addr, BASE);
	req.value = 0x74726976;
	assert_int_equal(fakebao_dm_complete(&dm2, &req), 0);
	pthread_join(t, NULL);
	assert_int_equal(a.ret, 0);
	assert_int_equal(a.value, 0x74726976);
	assert_int_equal(fakebao_fault_dm_lost(f->fb, 0), 0);
	fakebao_dm_disconnect(&dm2);
}

static void test_stale_requests_never_reach_next_dm(void **state)
{
	struct fixture *f = *state;
	struct fakebao_dm_conn dm;
	struct bao_virtio_request req;
	uint64_t v = 0;

	/* No device model yet: a Status write queues, then times out (withdrawn). */
	fakebao_set_trap_timeout(f->fb, 100);
	assert_int_equal(fakebao_mmio_access(f->fb, 0, BASE + 0x70, BAO_IO_WRITE, 4, &v),
			 -ETIMEDOUT);
	/* The device model that attaches later must not see that stale write. */
	dm_up(f, &dm);
	assert_int_equal(remio_fetch(dm.shm, 0, 0, 100, -1, -1, &req), -ETIMEDOUT);
	fakebao_dm_disconnect(&dm);
}

static void test_irq_drop_and_delay(void **state)
{
	struct fixture *f = *state;
	int efd = eventfd(0, EFD_NONBLOCK);
	struct bao_irqfd irq = {efd, 0};
	struct fakebao_dm_conn dm;
	struct fakebao_stats st;
	uint64_t one = 1;
	int64_t t0;

	dm_up(f, &dm);
	assert_int_equal(fakebao_dm_irqfd(&dm, 0, &irq), 0);
	/* irq-drop 1: the first interrupt is lost, the second arrives. */
	fakebao_fault_set_irq(f->fb, 1, -1);
	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(fakebao_wait_irq(f->fb, 100), 0);
	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(fakebao_wait_irq(f->fb, 500), 1);
	/* irq-delay 80: not visible early, visible 80 ms after it was raised. */
	fakebao_fault_set_irq(f->fb, -1, 80);
	t0 = clock_now_ms();
	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(fakebao_wait_irq(f->fb, 20), 0);
	assert_int_equal(fakebao_wait_irq(f->fb, 1000), 1);
	assert_true(clock_now_ms() - t0 >= 75);
	/* irq-delay 0 releases a pending late interrupt at once. */
	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(fakebao_wait_irq(f->fb, 10), 0);
	fakebao_fault_set_irq(f->fb, -1, 0);
	assert_int_equal(fakebao_wait_irq(f->fb, 0), 1);
	fakebao_get_stats(f->fb, &st);
	assert_int_equal(st.irqs_dropped, 1);
	assert_int_equal(st.irqs_delayed, 2);
	assert_int_equal(st.irqs_injected, 3);
	fakebao_dm_disconnect(&dm);
	close(efd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_waiter_fails_when_dm_dies, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_after_loss_grace_then_enodev, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_restart_within_grace_serves, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stale_requests_never_reach_next_dm, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_irq_drop_and_delay, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
