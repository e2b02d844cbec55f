/* test_supervise_bao.c - the supervisor serving a device model for real: a fakebao in this
 * process, a child under the filter playing the device model with Bao's UAPI (open, the five
 * ioctls, mmap, a dup of its per-DM fd, an ATTACH interrupted by a signal, a second thread
 * calling while ATTACH blocks, unknown numbers), and a vCPU thread trapping accesses. The
 * child is this program again (`--child NAME`), exec'ed as the supervisor execs a device
 * model: forked code of a threaded process must not allocate (the sanitizer's locks). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bao.h"
#include "fakebao.h"
#include "supervise_bao.h"
#include "supervise_child.h"
#include "supervise_loop.h"

#define BASE 0xa003e00ULL
#define MAGIC 0x74726976ULL

/* The child tells the vCPU thread where it is through the first byte of the window. */
enum { STAGE_ATTACHING = 1, STAGE_REATTACHING = 2 };

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
	};

	snprintf(f->dir, sizeof(f->dir), "/tmp/baoharness-supervise-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/fb.sock", f->dir);
	cfg.socket_path = f->sock;
	assert_int_equal(fakebao_create(&cfg, &f->fb), 0);
	assert_int_equal(fakebao_add_trap_region(f->fb, BASE, 0x200, 0), 0);
	setenv(FAKEBAO_SOCKET_ENV, f->sock, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unsetenv(FAKEBAO_SOCKET_ENV);
	fakebao_destroy(f->fb);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* ---- the child: a device model using Bao's UAPI, failing with the step's number ---- */

struct dm_child {
	int dm_fd;
	volatile uint8_t *win;
	pthread_t main;
	int side_result;
	volatile int interrupted; /* the ATTACH to interrupt has returned */
};

static void dm_on_usr1(int sig)
{
	(void)sig;
}

/* While the main thread blocks in ATTACH, this thread's calls must still be served. */
static void *dm_side(void *arg)
{
	struct dm_child *c = arg;
	int fd;

	usleep(100 * 1000);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		c->side_result = 1;
		return NULL;
	}
	close(fd);
	if (ioctl(c->dm_fd, _IO(BAO_IOCTL_TYPE, 0x7f)) != -1 || errno != ENOTTY) {
		c->side_result = 2;
		return NULL;
	}
	c->win[0] = STAGE_ATTACHING; /* now the vCPU may trap */
	return NULL;
}

/* Interrupts the main thread's ATTACH (no SA_RESTART: it returns EINTR), again until it has:
 * a signal that came before the ioctl started would leave it blocked. */
static void *dm_interrupter(void *arg)
{
	struct dm_child *c = arg;

	for (int i = 0; i < 50 && !c->interrupted; i++) {
		usleep(100 * 1000);
		pthread_kill(c->main, SIGUSR1);
	}
	return NULL;
}

static int dm_serve_one(int fd, uint64_t addr, uint64_t value)
{
	struct bao_virtio_request req = {.op = BAO_IO_ASK};

	if (ioctl(fd, BAO_IOCTL_IO_CLIENT_ATTACH, &req) < 0)
		return 1;
	if (req.addr != addr || req.op != BAO_IO_READ || req.dm_id != 0)
		return 2;
	req.value = value;
	return ioctl(fd, BAO_IOCTL_IO_REQUEST_COMPLETE, &req) < 0 ? 3 : 0;
}

static int dm_child_main(void)
{
	struct bao_dm_info info = {.id = 0}, info2 = {.id = 0};
	struct bao_virtio_request req = {0};
	struct sigaction sa = {.sa_handler = dm_on_usr1};
	struct dm_child c = {.main = pthread_self()};
	struct bao_ioeventfd io;
	struct bao_irqfd irq;
	struct pollfd p;
	pthread_t side;
	uint64_t v = 1;
	int fd, efd, ifd;

	alarm(20); /* a step that blocks for good fails the test instead of hanging it */
	sigaction(SIGUSR1, &sa, NULL);
	fd = open(BAO_IO_DISPATCHER_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 10;
	if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
		return 11;
	if (ioctl(fd, _IO(BAO_IOCTL_TYPE, 0x7f)) != -1 || errno != ENOTTY)
		return 12;
	if (ioctl(fd, BAO_IOCTL_DM_GET_INFO, &info) < 0)
		return 13;
	if (info.shmem_addr != FAKEBAO_DEFAULT_SHMEM_ADDR ||
	    info.shmem_size != FAKEBAO_DEFAULT_SHMEM_SIZE || info.irq != FAKEBAO_DEFAULT_IRQ)
		return 14;
	if (info.fd < 0 || !(fcntl(info.fd, F_GETFD) & FD_CLOEXEC))
		return 15;
	/* The per-DM fd answers no DM_GET_INFO; a dup of it is still the per-DM fd. */
	if (ioctl(info.fd, BAO_IOCTL_DM_GET_INFO, &info2) != -1 || errno != ENOTTY)
		return 16;
	c.dm_fd = dup(info.fd);
	close(info.fd);
	c.win = mmap(NULL, (size_t)info.shmem_size, PROT_READ | PROT_WRITE, MAP_SHARED, c.dm_fd, 0);
	if (c.win == MAP_FAILED)
		return 17;
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	io = (struct bao_ioeventfd){
	    (uint32_t)efd, BAO_IOEVENTFD_FLAG_DATAMATCH, BASE + 0x50, 4, 0, 1};
	if (ioctl(c.dm_fd, BAO_IOCTL_IOEVENTFD, &io) < 0)
		return 18;
	if (ioctl(c.dm_fd, BAO_IOCTL_IOEVENTFD, &io) != -1 || errno != EEXIST)
		return 19;
	ifd = eventfd(0, EFD_CLOEXEC);
	irq = (struct bao_irqfd){ifd, 0};
	if (ioctl(c.dm_fd, BAO_IOCTL_IRQFD, &irq) < 0)
		return 20;
	/* ATTACH blocks; the side thread's calls are served meanwhile and start the vCPU. */
	pthread_create(&side, NULL, dm_side, &c);
	if (dm_serve_one(c.dm_fd, BASE, MAGIC))
		return 21;
	pthread_join(side, NULL);
	if (c.side_result)
		return 22;
	/* The vCPU's QueueNotify write goes to the eventfd, never to us. */
	p = (struct pollfd){efd, POLLIN, 0};
	if (poll(&p, 1, 5000) != 1 || read(efd, &v, sizeof(v)) != sizeof(v) || v != 1)
		return 23;
	/* Raise the frontend's interrupt. */
	if (write(ifd, &v, sizeof(v)) != sizeof(v))
		return 24;
	/* A signal ends a waiting ATTACH with EINTR; the next one still gets the next request. */
	pthread_create(&side, NULL, dm_interrupter, &c);
	if (ioctl(c.dm_fd, BAO_IOCTL_IO_CLIENT_ATTACH, &req) != -1 || errno != EINTR)
		return 25;
	c.interrupted = 1;
	pthread_join(side, NULL);
	c.win[0] = STAGE_REATTACHING;
	if (dm_serve_one(c.dm_fd, BASE + 0x4, 7))
		return 26;
	/* A completion must name our dm id; deassigning the irqfd twice: ok, then ENOENT. */
	req.dm_id = 1;
	if (ioctl(c.dm_fd, BAO_IOCTL_IO_REQUEST_COMPLETE, &req) != -1 || errno != EINVAL)
		return 27;
	irq.flags = BAO_IRQFD_FLAG_DEASSIGN;
	if (ioctl(c.dm_fd, BAO_IOCTL_IRQFD, &irq) < 0)
		return 28;
	if (ioctl(c.dm_fd, BAO_IOCTL_IRQFD, &irq) != -1 || errno != ENOENT)
		return 29;
	/* An eventfd number the device model does not have. */
	io.fd = 999;
	io.addr = BASE + 0x70;
	if (ioctl(c.dm_fd, BAO_IOCTL_IOEVENTFD, &io) != -1 || errno != EBADF)
		return 30;
	return 0;
}

/* ---- the vCPU ---- */

struct vcpu {
	struct fakebao *fb;
	int ret;
	uint64_t v1, v2;
};

static int vcpu_wait_stage(struct fakebao *fb, uint8_t stage)
{
	volatile uint8_t *w = fakebao_window(fb);

	for (int i = 0; i < 1000; i++) {
		if (w[0] == stage)
			return 0;
		usleep(5000);
	}
	return -ETIMEDOUT;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	uint64_t one = 1;

	if ((v->ret = vcpu_wait_stage(v->fb, STAGE_ATTACHING)) ||
	    (v->ret = fakebao_mmio_access(v->fb, 0, BASE, BAO_IO_READ, 4, &v->v1)) ||
	    (v->ret = fakebao_mmio_access(v->fb, 0, BASE + 0x50, BAO_IO_WRITE, 4, &one)))
		return NULL;
	if (fakebao_wait_irq(v->fb, 5000) != 1) {
		v->ret = -ENODATA;
		return NULL;
	}
	if ((v->ret = vcpu_wait_stage(v->fb, STAGE_REATTACHING)))
		return NULL;
	v->ret = fakebao_mmio_access(v->fb, 1, BASE + 0x4, BAO_IO_READ, 4, &v->v2);
	return NULL;
}

extern char **environ;

/* Starts this program as `--child name` under the filter. */
static void spawn_child(const char *name, struct supervise_child *c)
{
	char *argv[] = {"test_supervise_bao", "--child", (char *)name, NULL};
	struct supervise_child_exec e = {"/proc/self/exe", argv, environ};

	assert_int_equal(supervise_child_spawn(supervise_child_exec, &e, c), 0);
}

static void test_serves_a_device_model(void **state)
{
	struct fixture *f = *state;
	struct vcpu v = {.fb = f->fb, .ret = -1};
	static struct supervise_bao b;
	struct supervise_child c;
	pthread_t t;
	int st;

	pthread_create(&t, NULL, vcpu_thread, &v);
	spawn_child("dm", &c);
	assert_int_equal(supervise_bao_init(&b, c.listener), 0);
	st = supervise_loop_run(&b, c.pid, -1);
	pthread_join(t, NULL);
	assert_int_equal(supervise_attach_stop(&b.attach, 2000), 0);
	supervise_bao_destroy(&b, 2000);
	close(c.listener);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0); /* else: the step that failed */
	assert_int_equal(v.ret, 0);
	assert_int_equal(v.v1, MAGIC);
	assert_int_equal(v.v2, 7);
	assert_int_equal(b.opens, 1);
	assert_int_equal(b.ioctls[SUPERVISE_FILTER_DM_GET_INFO], 1);
	assert_int_equal(b.ioctls[SUPERVISE_FILTER_IO_CLIENT_ATTACH], 3);
	assert_int_equal(b.ioctls[SUPERVISE_FILTER_IRQFD], 3);
	/* 0x7f on the dispatcher and twice on the per-DM fd, DM_GET_INFO on the per-DM fd. */
	assert_int_equal(b.enotty, 3);
	assert_int_equal(b.attach.abandoned, 1);
}

/* A request fetched for a thread that left before it could be handed over is not lost: the
 * next ATTACH gets it. The "thread that left" is a job whose notification never existed. */
static int stash_child(void)
{
	struct bao_dm_info info = {.id = 0};
	volatile uint8_t *win;
	int fd;

	alarm(20);
	fd = open(BAO_IO_DISPATCHER_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, BAO_IOCTL_DM_GET_INFO, &info) < 0)
		return 10;
	win = mmap(NULL, (size_t)info.shmem_size, PROT_READ | PROT_WRITE, MAP_SHARED, info.fd, 0);
	if (win == MAP_FAILED)
		return 11;
	win[0] = STAGE_ATTACHING;
	for (int i = 0; win[0] != STAGE_REATTACHING; i++) {
		if (i == 1000)
			return 12;
		usleep(5000);
	}
	return dm_serve_one(info.fd, BASE + 0x8, 9) ? 13 : 0;
}

struct stash_helper {
	struct fixture *f;
	struct supervise_bao *b;
	struct vcpu v;
	int ret;
};

static void *stash_vcpu(void *arg)
{
	struct vcpu *v = arg;

	v->ret = fakebao_mmio_access(v->fb, 0, BASE + 0x8, BAO_IO_READ, 4, &v->v1);
	return NULL;
}

static void *stash_helper(void *arg)
{
	struct stash_helper *h = arg;
	struct supervise_attach_job gone = {.id = 0x5eed, .tid = getpid(), .buf = 0, .dm_id = 0};
	volatile uint8_t *w = fakebao_window(h->f->fb);
	unsigned int kept = 0;
	pthread_t t;

	if ((h->ret = vcpu_wait_stage(h->f->fb, STAGE_ATTACHING)))
		return NULL;
	pthread_create(&t, NULL, stash_vcpu, &h->v);
	/* Each such job either takes the queued request (and must keep it) or, if the request
	 * was not queued yet, gives up after a slice: retry until one took it. */
	for (int tries = 0; !h->ret && !kept && tries < 40; tries++) {
		usleep(50 * 1000);
		h->ret = supervise_attach_submit(&h->b->attach, &gone);
		for (int i = 0; !h->ret && !kept && i < 60; i++) {
			usleep(5000);
			pthread_mutex_lock(&h->b->attach.lock);
			kept = h->b->attach.nstash[0];
			pthread_mutex_unlock(&h->b->attach.lock);
		}
	}
	if (!h->ret && !kept)
		h->ret = -ETIMEDOUT;
	w[0] = STAGE_REATTACHING;
	pthread_join(t, NULL);
	return NULL;
}

static void test_request_kept_for_next_attach(void **state)
{
	static struct supervise_bao b;
	struct stash_helper h = {.f = *state, .b = &b};
	struct supervise_child c;
	pthread_t t;
	int st;

	h.v = (struct vcpu){.fb = h.f->fb, .ret = -1};
	spawn_child("stash", &c);
	assert_int_equal(supervise_bao_init(&b, c.listener), 0);
	pthread_create(&t, NULL, stash_helper, &h);
	st = supervise_loop_run(&b, c.pid, -1);
	pthread_join(t, NULL);
	supervise_bao_destroy(&b, 2000);
	close(c.listener);
	assert_int_equal(h.ret, 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(h.v.ret, 0);
	assert_int_equal(h.v.v1, 9);
	assert_int_equal(b.attach.redelivered, 1);
	assert_int_equal(b.attach.delivered, 0);
}

/* No fakebao socket in the environment: the open fails ENODEV (as with the preload), and
 * the supervisor returns the child's status. */
static int nodev_child(void)
{
	if (open(BAO_IO_DISPATCHER_PATH, O_RDWR) != -1 || errno != ENODEV)
		return 1;
	return 5;
}

static void test_no_hypervisor(void **state)
{
	static struct supervise_bao b;
	struct supervise_child c;
	int st;

	(void)state;
	unsetenv(FAKEBAO_SOCKET_ENV);
	spawn_child("nodev", &c);
	assert_int_equal(supervise_bao_init(&b, c.listener), 0);
	st = supervise_loop_run(&b, c.pid, -1);
	supervise_bao_destroy(&b, 1000);
	close(c.listener);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 5);
	assert_int_equal(b.opens, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_serves_a_device_model, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_request_kept_for_next_attach, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_hypervisor, setup, teardown),
	};

	if (argc == 3 && !strcmp(argv[1], "--child"))
		return !strcmp(argv[2], "dm")	   ? dm_child_main()
		       : !strcmp(argv[2], "stash") ? stash_child()
		       : !strcmp(argv[2], "nodev") ? nodev_child()
						   : 2;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
