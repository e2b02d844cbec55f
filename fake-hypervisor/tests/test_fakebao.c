/* test_fakebao.c - fakebao's remote-I/O semantics as bao-remio.md fixes them: request layout and
 * ids, FIFO delivery, requests kept until a device model attaches, ioeventfd routing with
 * datamatch, irqfd injection, bounded waits and stale completions. The device model's side runs
 * in a thread through fakebao_dm, the same code bao_preload uses. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "fakebao.h"
#include "fakebao_dm.h"

#define BASE 0xa003e00ULL

struct fixture {
	char dir[64];
	char sock[128];
	struct fakebao *fb;
	struct fakebao_dm_conn dm;
	int dm_connected;
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
	    .trap_timeout_ms = 2000,
	    .spin_us = 10,
	};

	snprintf(f->dir, sizeof(f->dir), "/tmp/fakebao-test-XXXXXX");
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

	if (f->dm_connected)
		fakebao_dm_disconnect(&f->dm);
	fakebao_destroy(f->fb);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void dm_connect(struct fixture *f)
{
	assert_int_equal(fakebao_dm_connect(&f->dm, f->sock, 1000), 0);
	f->dm_connected = 1;
}

struct access {
	struct fakebao *fb;
	unsigned int vcpu;
	uint64_t addr;
	unsigned int op;
	uint64_t value;
	int ret;
};

static void *access_thread(void *arg)
{
	struct access *a = arg;

	a->ret = fakebao_mmio_access(a->fb, a->vcpu, a->addr, a->op, 4, &a->value);
	return NULL;
}

static void test_read_round_trip(void **state)
{
	struct fixture *f = *state;
	struct access a = {f->fb, 0, BASE + 0x0, BAO_IO_READ, 0, -1};
	struct bao_virtio_request req;
	struct bao_dm_info info = {.id = 0};
	pthread_t t;

	dm_connect(f);
	/* The device model asks for its info: the window and a fresh fd of it. */
	assert_int_equal(fakebao_dm_get_info(&f->dm, &info), 0);
	assert_int_equal(info.shmem_addr, FAKEBAO_DEFAULT_SHMEM_ADDR);
	assert_int_equal(info.shmem_size, FAKEBAO_DEFAULT_SHMEM_SIZE);
	assert_int_equal(info.irq, FAKEBAO_DEFAULT_IRQ);
	assert_true(info.fd >= 0);
	close(info.fd);
	/* The vCPU reads MagicValue and is paused until the device model answers. */
	pthread_create(&t, NULL, access_thread, &a);
	assert_int_equal(fakebao_dm_attach(&f->dm, 0, &req), 0);
	assert_int_equal(req.dm_id, 0);
	assert_int_equal(req.addr, BASE);
	assert_int_equal(req.op, BAO_IO_READ);
	assert_int_equal(req.access_width, 4);
	assert_true(req.request_id != 0);
	req.value = 0x74726976;
	assert_int_equal(fakebao_dm_complete(&f->dm, &req), 0);
	pthread_join(t, NULL);
	assert_int_equal(a.ret, 0);
	assert_int_equal(a.value, 0x74726976);
	/* Completing the same request twice is stale. */
	assert_int_equal(fakebao_dm_complete(&f->dm, &req), -EINVAL);
}

/* What fakebao's observer (`run --record`) is told, in order. */
struct seen_access {
	int after, rc;
	unsigned int op;
	uint64_t addr, value;
};
static struct seen_access seen[8];
static int nseen, nirqs;

static void observe_access(void *arg, int after, unsigned int vcpu, uint64_t addr, unsigned int op,
			   unsigned int width, uint64_t value, int rc)
{
	(void)arg;
	(void)vcpu;
	assert_int_equal(width, 4);
	if (nseen < 8)
		seen[nseen++] = (struct seen_access){after, rc, op, addr, value};
}

static void observe_irq(void *arg)
{
	(void)arg;
	nirqs++;
}

static void test_observer(void **state)
{
	struct fixture *f = *state;
	struct fakebao_observer ob = {observe_access, observe_irq, NULL};
	struct access a = {f->fb, 0, BASE + 0x70, BAO_IO_WRITE, 0xf, -1};
	struct bao_virtio_request req;
	int efd = eventfd(0, EFD_NONBLOCK);
	struct bao_irqfd irq = {efd, 0};
	uint64_t one = 1;
	pthread_t t;

	nseen = nirqs = 0;
	fakebao_set_observer(f->fb, &ob);
	dm_connect(f);
	/* A write the device model completes with another value: the observer is told the value
	 * written, before and after, and the result. */
	pthread_create(&t, NULL, access_thread, &a);
	assert_int_equal(fakebao_dm_attach(&f->dm, 0, &req), 0);
	req.value = 0x1234;
	assert_int_equal(fakebao_dm_complete(&f->dm, &req), 0);
	pthread_join(t, NULL);
	assert_int_equal(a.ret, 0);
	assert_int_equal(nseen, 2);
	assert_int_equal(seen[0].after, 0);
	assert_int_equal(seen[0].value, 0xf);
	assert_int_equal(seen[1].after, 1);
	assert_int_equal(seen[1].value, 0xf);
	assert_int_equal(seen[1].op, BAO_IO_WRITE);
	assert_int_equal(seen[1].rc, 0);
	/* A read: 0 before, the value read after. */
	a = (struct access){f->fb, 0, BASE + 0x70, BAO_IO_READ, 0, -1};
	pthread_create(&t, NULL, access_thread, &a);
	assert_int_equal(fakebao_dm_attach(&f->dm, 0, &req), 0);
	req.value = 0xb;
	assert_int_equal(fakebao_dm_complete(&f->dm, &req), 0);
	pthread_join(t, NULL);
	assert_int_equal(nseen, 4);
	assert_int_equal(seen[2].value, 0);
	assert_int_equal(seen[3].value, 0xb);
	/* A failed access is reported with its error. */
	assert_int_equal(fakebao_mmio_access(f->fb, 0, 0x1000, BAO_IO_READ, 4, &one), -EFAULT);
	assert_int_equal(seen[5].rc, -EFAULT);
	/* Each interrupt delivered, and none when none is. */
	assert_int_equal(fakebao_dm_irqfd(&f->dm, 0, &irq), 0);
	assert_int_equal(fakebao_wait_irq(f->fb, 10), 0);
	assert_int_equal(nirqs, 0);
	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(fakebao_wait_irq(f->fb, 500), 1);
	assert_int_equal(nirqs, 1);
	/* Removed: told nothing more. */
	fakebao_set_observer(f->fb, NULL);
	assert_int_equal(fakebao_mmio_access(f->fb, 0, 0x1000, BAO_IO_READ, 4, &one), -EFAULT);
	assert_int_equal(nseen, 6);
	close(efd);
}

static void test_fifo_and_queued_before_attach(void **state)
{
	struct fixture *f = *state;
	struct access a0 = {f->fb, 0, BASE + 0x70, BAO_IO_WRITE, 1, -1};
	struct access a1 = {f->fb, 1, BASE + 0x34, BAO_IO_READ, 0, -1};
	struct bao_virtio_request r0, r1;
	pthread_t t0, t1;

	/* Two vCPUs trap before any device model exists: nothing may be lost. */
	pthread_create(&t0, NULL, access_thread, &a0);
	usleep(20000);
	pthread_create(&t1, NULL, access_thread, &a1);
	usleep(20000);
	dm_connect(f);
	assert_int_equal(fakebao_dm_attach(&f->dm, 0, &r0), 0);
	assert_int_equal(fakebao_dm_attach(&f->dm, 0, &r1), 0);
	/* FIFO: the older request first. */
	assert_int_equal(r0.addr, BASE + 0x70);
	assert_int_equal(r0.op, BAO_IO_WRITE);
	assert_int_equal(r0.value, 1);
	assert_int_equal(r1.addr, BASE + 0x34);
	assert_true(r0.request_id != r1.request_id);
	r1.value = 1024;
	assert_int_equal(fakebao_dm_complete(&f->dm, &r1), 0);
	assert_int_equal(fakebao_dm_complete(&f->dm, &r0), 0);
	pthread_join(t0, NULL);
	pthread_join(t1, NULL);
	assert_int_equal(a0.ret, 0);
	assert_int_equal(a1.ret, 0);
	assert_int_equal(a1.value, 1024);
}

static void test_ioeventfd_datamatch(void **state)
{
	struct fixture *f = *state;
	int efd = eventfd(0, EFD_NONBLOCK);
	struct bao_ioeventfd io = {
	    (uint32_t)efd, BAO_IOEVENTFD_FLAG_DATAMATCH, BASE + 0x50, 4, 0, 1};
	struct access a = {f->fb, 0, BASE + 0x50, BAO_IO_WRITE, 0, -1};
	struct fakebao_stats st;
	struct bao_virtio_request req;
	uint64_t v = 1, cnt = 0;
	pthread_t t;

	dm_connect(f);
	assert_int_equal(fakebao_dm_ioeventfd(&f->dm, 0, &io), 0);
	assert_int_equal(fakebao_dm_ioeventfd(&f->dm, 0, &io), -EEXIST);
	/* Matching write: signalled and completed by the dispatcher, never seen by the DM. */
	assert_int_equal(fakebao_mmio_access(f->fb, 0, BASE + 0x50, BAO_IO_WRITE, 4, &v), 0);
	assert_int_equal(read(efd, &cnt, sizeof(cnt)), sizeof(cnt));
	assert_int_equal(cnt, 1);
	/* A read of the range returns 0 without the device model. */
	v = 0xdead;
	assert_int_equal(fakebao_mmio_access(f->fb, 0, BASE + 0x50, BAO_IO_READ, 4, &v), 0);
	assert_int_equal(v, 0);
	/* Non-matching data goes to the device model as usual. */
	pthread_create(&t, NULL, access_thread, &a);
	assert_int_equal(fakebao_dm_attach(&f->dm, 0, &req), 0);
	assert_int_equal(req.addr, BASE + 0x50);
	assert_int_equal(req.value, 0);
	assert_int_equal(fakebao_dm_complete(&f->dm, &req), 0);
	pthread_join(t, NULL);
	assert_int_equal(read(efd, &cnt, sizeof(cnt)), -1);
	fakebao_get_stats(f->fb, &st);
	assert_int_equal(st.ioeventfd_kicks, 1);
	assert_int_equal(st.mmio_to_dm, 1);
	assert_int_equal(st.mmio_traps, 3);
	/* Deassign: the write now reaches the device model. */
	io.flags |= BAO_IOEVENTFD_FLAG_DEASSIGN;
	assert_int_equal(fakebao_dm_ioeventfd(&f->dm, 0, &io), 0);
	assert_int_equal(fakebao_dm_ioeventfd(&f->dm, 0, &io), -ENOENT);
	io.len = 3;
	io.flags = 0;
	assert_int_equal(fakebao_dm_ioeventfd(&f->dm, 0, &io), -EINVAL);
	close(efd);
}

static void test_irqfd(void **state)
{
	struct fixture *f = *state;
	int efd = eventfd(0, EFD_NONBLOCK);
	struct bao_irqfd irq = {efd, 0};
	uint64_t one = 1;
	struct fakebao_stats st;

	dm_connect(f);
	assert_int_equal(fakebao_wait_irq(f->fb, 0), 0);
	/* Already readable at registration: injected at once. */
	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(fakebao_dm_irqfd(&f->dm, 0, &irq), 0);
	assert_int_equal(fakebao_dm_irqfd(&f->dm, 0, &irq), -EBUSY);
	assert_int_equal(fakebao_wait_irq(f->fb, 500), 1);
	assert_int_equal(fakebao_wait_irq(f->fb, 10), 0);
	/* Each later write raises the interrupt again (as virtiofsd's call fd does). */
	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(fakebao_wait_irq(f->fb, 500), 1);
	fakebao_get_stats(f->fb, &st);
	assert_int_equal(st.irqs_injected, 2);
	/* A device model that goes away loses its irqfd. */
	fakebao_dm_disconnect(&f->dm);
	f->dm_connected = 0;
	usleep(50000);
	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(fakebao_wait_irq(f->fb, 50), 0);
	close(efd);
}

static void test_timeout_and_stale_completion(void **state)
{
	struct fixture *f = *state;
	struct bao_virtio_request req;
	uint64_t v = 7;

	dm_connect(f);
	fakebao_set_trap_timeout(f->fb, 100);
	/* Nobody completes: the vCPU gets ETIMEDOUT instead of hanging. */
	assert_int_equal(fakebao_mmio_access(f->fb, 0, BASE + 0x70, BAO_IO_WRITE, 4, &v),
			 -ETIMEDOUT);
	/* The device model answers late: rejected as stale. */
	assert_int_equal(fakebao_dm_attach(&f->dm, 0, &req), 0);
	assert_int_equal(fakebao_dm_complete(&f->dm, &req), -EINVAL);
	/* Bogus ids, ops and widths are refused. */
	req.request_id = 0;
	assert_int_equal(fakebao_dm_complete(&f->dm, &req), -EINVAL);
	req.request_id = 0x105; /* vcpu 5 of 2 */
	assert_int_equal(fakebao_dm_complete(&f->dm, &req), -EINVAL);
	req.request_id = 0x100;
	req.op = BAO_IO_ASK;
	assert_int_equal(fakebao_dm_complete(&f->dm, &req), -EINVAL);
	req.op = BAO_IO_READ;
	req.access_width = 3;
	assert_int_equal(fakebao_dm_complete(&f->dm, &req), -EINVAL);
}

static void test_bad_accesses(void **state)
{
	struct fixture *f = *state;
	uint64_t v = 0;
	struct bao_dm_info info = {.id = 99};

	assert_int_equal(fakebao_mmio_access(f->fb, 0, 0x1000, BAO_IO_READ, 4, &v), -EFAULT);
	assert_int_equal(fakebao_mmio_access(f->fb, 0, BASE + 0x1fe, BAO_IO_READ, 4, &v), -EFAULT);
	assert_int_equal(fakebao_mmio_access(f->fb, 9, BASE, BAO_IO_READ, 4, &v), -EINVAL);
	assert_int_equal(fakebao_mmio_access(f->fb, 0, BASE, BAO_IO_READ, 3, &v), -EINVAL);
	dm_connect(f);
	assert_int_equal(fakebao_dm_get_info(&f->dm, &info), -EINVAL);
}

static void test_hypervisor_gone(void **state)
{
	struct fixture *f = *state;
	struct bao_virtio_request req;

	dm_connect(f);
	fakebao_destroy(f->fb);
	f->fb = NULL;
	/* The device model's blocking attach returns instead of waiting forever. */
	assert_int_equal(fakebao_dm_attach(&f->dm, 0, &req), -ENODEV);
}

static void on_signal(int sig)
{
	(void)sig;
}

struct attach_arg {
	struct fakebao_dm_conn *dm;
	int ret;
};

static void *attach_thread(void *arg)
{
	struct attach_arg *a = arg;
	struct bao_virtio_request req;

	a->ret = fakebao_dm_attach(a->dm, 0, &req);
	return NULL;
}

static void test_attach_interrupted_by_signal(void **state)
{
	struct fixture *f = *state;
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART, like a DM's handler */
	struct attach_arg a = {&f->dm, 1};
	pthread_t t;

	dm_connect(f);
	sigaction(SIGUSR1, &sa, NULL);
	pthread_create(&t, NULL, attach_thread, &a);
	/* A signal while the device model waits in ATTACH ends the wait, as on Bao. (One sent
	 * before the call starts is, as with the kernel, the caller's to check.) */
	usleep(30000);
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	assert_int_equal(a.ret, -EINTR);
	signal(SIGUSR1, SIG_DFL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_read_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fifo_and_queued_before_attach, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ioeventfd_datamatch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_irqfd, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_observer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout_and_stale_completion, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_accesses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hypervisor_gone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_attach_interrupted_by_signal, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
