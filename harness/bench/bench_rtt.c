/* bench_rtt.c - round-trip latencies: the trap path, and the eventfd and shared-memory
 * ping-pong floors between two processes. Children die with us and stop on their own when the
 * parent goes quiet, so no wait here is unbounded. */
#include "clock.h"
#include "bench_rtt.h"

#include <errno.h>
#include <linux/virtio_mmio.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_RTT_IDLE_MS 5000 /* a child with nothing to do for this long exits */
#define BENCH_RTT_STOP UINT64_MAX

int bench_rtt_trap(struct fakebao *fb, uint64_t mmio_base, int64_t dur_ns, struct bench_lat *l)
{
	int64_t end = clock_now_ns() + dur_ns;

	for (;;) {
		uint64_t v = 0;
		int64_t t0 = clock_now_ns(), t1;
		int rc = fakebao_mmio_access(fb, 0, mmio_base + VIRTIO_MMIO_DEVICE_ID, BAO_IO_READ,
					     4, &v);

		t1 = clock_now_ns();
		if (rc)
			return rc;
		if (v != 26)
			return -EPROTO;
		bench_lat_add(l, (uint64_t)(t1 - t0));
		if (t1 >= end || l->n >= l->cap)
			return 0;
	}
}

static void bench_rtt_child_setup(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* Put the calling process on one CPU (-1: back where it was before the first call - all CPUs,
 * or bao-bench's --cpus list). Spinning peers sharing a CPU measure the scheduler, not the
 * memory round trip, so the floor runs on two CPUs when any. */
static void bench_rtt_pin(int cpu)
{
	static cpu_set_t before;
	static int saved;
	cpu_set_t set;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (!saved)
		saved = sched_getaffinity(0, sizeof(before), &before) == 0;
	if (cpu < 0) {
		if (saved)
			sched_setaffinity(0, sizeof(before), &before);
		return;
	}
	CPU_ZERO(&set);
	for (long i = 0; i < n && i < CPU_SETSIZE; i++)
		if (i == cpu % n)
			CPU_SET((int)i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Read one eventfd with a bound; 1 with *v, 0 on timeout, -errno. */
static int bench_rtt_efd_read(int fd, int ms, uint64_t *v)
{
	struct pollfd p = {fd, POLLIN, 0};
	int r = poll(&p, 1, ms);

	if (r <= 0)
		return r < 0 ? -errno : 0;
	return read(fd, v, sizeof(*v)) == sizeof(*v) ? 1 : -EIO;
}

int bench_rtt_eventfd(int64_t dur_ns, struct bench_lat *l, int same_cpu)
{
	int a = eventfd(0, EFD_CLOEXEC), b = eventfd(0, EFD_CLOEXEC), rc = 0;
	int64_t end;
	pid_t pid;
	uint64_t v;

	if (a < 0 || b < 0) {
		rc = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto out;
	}
	if (pid == 0) {
		bench_rtt_child_setup();
		bench_rtt_pin(same_cpu ? 0 : 1);
		while (bench_rtt_efd_read(a, BENCH_RTT_IDLE_MS, &v) == 1 && v == 1)
			if (write(b, &v, sizeof(v)) != sizeof(v))
				break;
		_exit(0);
	}
	bench_rtt_pin(0);
	end = clock_now_ns() + dur_ns;
	for (;;) {
		int64_t t0 = clock_now_ns(), t1;

		v = 1;
		if (write(a, &v, sizeof(v)) != sizeof(v) || bench_rtt_efd_read(b, 1000, &v) != 1) {
			rc = -ETIMEDOUT;
			break;
		}
		t1 = clock_now_ns();
		bench_lat_add(l, (uint64_t)(t1 - t0));
		if (t1 >= end || l->n >= l->cap)
			break;
	}
	v = 2; /* stop */
	(void)!write(a, &v, sizeof(v));
	bench_rtt_pin(-1);
	waitpid(pid, NULL, 0);
out:
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	return rc;
}

struct bench_rtt_shm {
	_Atomic uint64_t ping;
	char pad[56]; /* separate cache lines, as two real queues' indexes would be */
	_Atomic uint64_t pong;
};

/* Spin until *w == want (or, with want 0, != last); yields after a while so a shared core
 * cannot livelock; gives up after ms. Returns the value seen, or 0 on timeout. */
static uint64_t bench_rtt_spin(_Atomic uint64_t *w, uint64_t want, uint64_t last, int ms)
{
	int64_t end = clock_now_ns() + (int64_t)ms * 1000000;

	for (unsigned long i = 1;; i++) {
		uint64_t v = atomic_load_explicit(w, memory_order_acquire);

		if (want ? v == want : v != last)
			return v;
		__builtin_ia32_pause();
		if (i % 4096 == 0) {
			if (clock_now_ns() > end)
				return 0;
			sched_yield();
		}
	}
}

int bench_rtt_shm_spin(int64_t dur_ns, struct bench_lat *l)
{
	struct bench_rtt_shm *s =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int64_t end;
	uint64_t seq = 0;
	int rc = 0;
	pid_t pid;

	if (s == MAP_FAILED)
		return -errno;
	atomic_store(&s->ping, 0);
	atomic_store(&s->pong, 0);
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto out;
	}
	if (pid == 0) {
		uint64_t last = 0, v;

		bench_rtt_child_setup();
		bench_rtt_pin(1);
		while ((v = bench_rtt_spin(&s->ping, 0, last, BENCH_RTT_IDLE_MS)) &&
		       v != BENCH_RTT_STOP) {
			atomic_store_explicit(&s->pong, v, memory_order_release);
			last = v;
		}
		_exit(0);
	}
	bench_rtt_pin(0);
	end = clock_now_ns() + dur_ns;
	for (;;) {
		int64_t t0 = clock_now_ns(), t1;

		atomic_store_explicit(&s->ping, ++seq, memory_order_release);
		if (!bench_rtt_spin(&s->pong, seq, 0, 1000)) {
			rc = -ETIMEDOUT;
			break;
		}
		t1 = clock_now_ns();
		bench_lat_add(l, (uint64_t)(t1 - t0));
		if (t1 >= end || l->n >= l->cap)
			break;
	}
	atomic_store(&s->ping, BENCH_RTT_STOP);
	bench_rtt_pin(-1);
	waitpid(pid, NULL, 0);
out:
	munmap(s, 4096);
	return rc;
}
