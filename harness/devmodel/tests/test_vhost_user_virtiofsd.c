/* test_vhost_user_virtiofsd.c - integration with the real Debian virtiofsd: the vhost-user
 * handshake with a memfd window, a FUSE_INIT round trip on the request ring, and the whole
 * transport (DRIVER_OK, reset, DRIVER_OK again) over it. Skipped unless root with virtiofsd. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rmtree.h"
#include "stack.h"
#include "vhost_user.h"
#include "virtio_fs.h"
#include "virtio_mmio.h"

#define VIRTIOFSD "/usr/lib/qemu/virtiofsd"
#define GPA 0x10000000ULL
#define WIN 0x100000ULL /* 1 MiB window */
#define QSZ 8

struct daemon {
	char dir[64], src[96], sock[96];
	pid_t pid;
	struct vhost_user vu;
	int memfd;
	uint8_t *win;
};

static void daemon_start(struct daemon *d)
{
	char log[128];

	snprintf(d->dir, sizeof(d->dir), "/tmp/dmtest.XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->src, sizeof(d->src), "%s/shared", d->dir);
	snprintf(d->sock, sizeof(d->sock), "%s/Fs0.sock", d->dir);
	assert_int_equal(mkdir(d->src, 0755), 0);
	snprintf(log, sizeof(log), "%s/virtiofsd.log", d->dir);
	/* The stack's backend launcher: the one place a virtiofsd is started. */
	d->pid = stack_backend_spawn(NULL, d->src, d->sock, log, 0, -1);
	assert_true(d->pid > 0);
	assert_int_equal(vhost_user_connect(&d->vu, d->sock, 3000), 0);
	d->memfd = memfd_create("dmtest-window", MFD_CLOEXEC);
	assert_true(d->memfd >= 0);
	assert_int_equal(ftruncate(d->memfd, WIN), 0);
	d->win = mmap(NULL, WIN, PROT_READ | PROT_WRITE, MAP_SHARED, d->memfd, 0);
	assert_true(d->win != MAP_FAILED);
}

/* Closing the socket ends virtiofsd (one connection per run); kill it if it lingers. */
static void daemon_stop(struct daemon *d)
{
	int status, i;

	vhost_user_close(&d->vu);
	for (i = 0; i < 100 && waitpid(d->pid, &status, WNOHANG) == 0; i++)
		usleep(10000);
	if (i == 100) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, &status, 0);
	}
	munmap(d->win, WIN);
	close(d->memfd);
	if (rmtree(d->dir))
		print_message("could not remove %s\n", d->dir);
}

static bool can_run(void)
{
	return geteuid() == 0 && access(VIRTIOFSD, X_OK) == 0;
}

/* Ring layout of queue q inside the window (offsets from its base). */
static uint64_t ring_off(unsigned q, unsigned part)
{
	return 0x10000ULL * (q + 1) + 0x1000ULL * part; /* desc, avail, used, buffers */
}

/* Driver side: post a FUSE_INIT on queue q, kick, wait for the call eventfd, check the reply. */
static void fuse_init_roundtrip(struct daemon *d, unsigned q, int kick_fd, int call_fd,
				uint16_t *avail_idx)
{
	struct vring_desc *desc = (void *)(d->win + ring_off(q, 0));
	struct vring_avail *avail = (void *)(d->win + ring_off(q, 1));
	struct vring_used *used = (void *)(d->win + ring_off(q, 2));
	uint8_t *buf = d->win + ring_off(q, 3);
	struct fuse_in_header in = {.len = sizeof(in) + sizeof(struct fuse_init_in),
				    .opcode = FUSE_INIT,
				    .unique = 2 + *avail_idx};
	struct fuse_init_in init = {.major = 7, .minor = 36, .max_readahead = 65536};
	struct fuse_out_header *out = (void *)(buf + 0x400);
	uint64_t one = 1;
	int i;

	memcpy(buf, &in, sizeof(in));
	memcpy(buf + sizeof(in), &init, sizeof(init));
	memset(out, 0xff, sizeof(*out));
	/* Guest puts a two-descriptor chain in: request (readable), reply (writable). */
	desc[0] = (struct vring_desc){GPA + ring_off(q, 3), in.len, VRING_DESC_F_NEXT, 1};
	desc[1] = (struct vring_desc){GPA + ring_off(q, 3) + 0x400, 0x400, VRING_DESC_F_WRITE, 0};
	avail->ring[*avail_idx % QSZ] = 0;
	__atomic_store_n(&avail->idx, (uint16_t)(*avail_idx + 1), __ATOMIC_RELEASE);
	assert_int_equal(write(kick_fd, &one, sizeof(one)), sizeof(one));
	/* Host processes it and signals the call eventfd. The call fd is shared by both queues
	 * and may fire for other reasons (ring start), so wait for used->idx, as a driver does. */
	for (i = 0; i < 40; i++) {
		struct pollfd pfd = {.fd = call_fd, .events = POLLIN};
		uint64_t v;

		if (__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) == (uint16_t)(*avail_idx + 1))
			break;
		if (poll(&pfd, 1, 50) == 1)
			assert_int_equal(read(call_fd, &v, sizeof(v)), sizeof(v));
	}
	assert_int_equal(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE), (uint16_t)(*avail_idx + 1));
	assert_int_equal(used->ring[*avail_idx % QSZ].id, 0);
	assert_true(used->ring[*avail_idx % QSZ].len >= sizeof(*out));
	assert_int_equal(out->unique, in.unique);
	(*avail_idx)++;
	if (out->error == 0)
		assert_int_equal(((struct fuse_init_out *)(out + 1))->major, 7);
}

static void test_handshake_and_init(void **state)
{
	struct daemon d;
	struct vhost_user_mem_region r;
	int kick[2], call;
	uint32_t base;
	uint16_t idx = 0;
	unsigned q;

	(void)state;
	if (!can_run())
		skip();
	daemon_start(&d);
	assert_int_equal(vhost_user_handshake(&d.vu), 0);
	assert_true(d.vu.features & (1ULL << VIRTIO_F_VERSION_1));
	assert_true(d.vu.reply_ack);
	assert_int_equal(d.vu.queue_num, 2);
	assert_int_equal(
	    vhost_user_set_features(&d.vu, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << 30)), 0);
	r = (struct vhost_user_mem_region){GPA, WIN, (uint64_t)(uintptr_t)d.win, 0};
	assert_int_equal(vhost_user_set_mem_table(&d.vu, &r, &d.memfd, 1), 0);
	call = eventfd(0, EFD_CLOEXEC);
	for (q = 0; q < 2; q++) {
		struct vhost_user_vring_addr a = {
		    .index = q,
		    .desc_user_addr = (uint64_t)(uintptr_t)(d.win + ring_off(q, 0)),
		    .used_user_addr = (uint64_t)(uintptr_t)(d.win + ring_off(q, 2)),
		    .avail_user_addr = (uint64_t)(uintptr_t)(d.win + ring_off(q, 1)),
		};

		kick[q] = eventfd(0, EFD_CLOEXEC);
		assert_int_equal(vhost_user_set_vring_num(&d.vu, q, QSZ), 0);
		assert_int_equal(vhost_user_set_vring_base(&d.vu, q, 0), 0);
		assert_int_equal(vhost_user_set_vring_addr(&d.vu, &a), 0);
		assert_int_equal(vhost_user_set_vring_call(&d.vu, q, call), 0);
		assert_int_equal(vhost_user_set_vring_kick(&d.vu, q, kick[q]), 0);
		assert_int_equal(vhost_user_set_vring_enable(&d.vu, q, true), 0);
	}
	fuse_init_roundtrip(&d, 1, kick[1], call, &idx);
	/* Stopping a ring returns where the backend got to. */
	assert_int_equal(vhost_user_get_vring_base(&d.vu, 1, &base), 0);
	assert_int_equal(base, 1);
	assert_int_equal(vhost_user_get_vring_base(&d.vu, 0, &base), 0);
	assert_int_equal(base, 0);
	/* GET_CONFIG is refused locally: virtiofsd 7.2 has no CONFIG protocol feature. */
	assert_int_equal(vhost_user_get_config(&d.vu, 0, 40, (uint8_t[40]){0}), -ENOTSUP);
	close(kick[0]);
	close(kick[1]);
	close(call);
	daemon_stop(&d);
}

static int nop_ioeventfd(void *ctx, int fd, uint64_t addr, uint64_t data, bool assign)
{
	(void)ctx, (void)fd, (void)addr, (void)data, (void)assign;
	return 0;
}

static int nop_irqfd(void *ctx, int fd, bool assign)
{
	(void)ctx, (void)fd, (void)assign;
	return 0;
}

static const struct virtio_mmio_platform nop_platform = {nop_ioeventfd, nop_irqfd};

static void wr(struct virtio_mmio *m, uint32_t off, uint32_t v)
{
	mmio_regs_write(m, off, 4, v);
}

/* Driver: probe, negotiate what is offered, set up both queues, DRIVER_OK. With
 * desc1_outside the request queue's descriptor table lies below the shared window. */
static void mmio_bring_up_rings(struct virtio_mmio *m, bool desc1_outside)
{
	uint64_t f;
	unsigned q;

	wr(m, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)mmio_regs_read(m, VIRTIO_MMIO_DEVICE_FEATURES, 4) << 32;
	wr(m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f |= mmio_regs_read(m, VIRTIO_MMIO_DEVICE_FEATURES, 4);
	assert_true(f & (1ULL << VIRTIO_F_ACCESS_PLATFORM));
	assert_false(f & (1ULL << 30)); /* PROTOCOL_FEATURES hidden */
	f &= (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_ACCESS_PLATFORM);
	wr(m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(m, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	wr(m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(m, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	wr(m, VIRTIO_MMIO_STATUS, 0xb);
	assert_int_equal(mmio_regs_read(m, VIRTIO_MMIO_STATUS, 4), 0xb);
	for (q = 0; q < 2; q++) {
		wr(m, VIRTIO_MMIO_QUEUE_SEL, q);
		wr(m, VIRTIO_MMIO_QUEUE_NUM, QSZ);
		wr(m, VIRTIO_MMIO_QUEUE_DESC_LOW,
		   (uint32_t)(desc1_outside && q == 1 ? GPA - 0x10000 : GPA + ring_off(q, 0)));
		wr(m, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)(GPA + ring_off(q, 1)));
		wr(m, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)(GPA + ring_off(q, 2)));
		wr(m, VIRTIO_MMIO_QUEUE_READY, 1);
	}
	wr(m, VIRTIO_MMIO_STATUS, 0xf);
	if (desc1_outside)
		return;
	assert_int_equal(mmio_regs_read(m, VIRTIO_MMIO_STATUS, 4), 0xf);
}

static void mmio_bring_up(struct virtio_mmio *m)
{
	mmio_bring_up_rings(m, false);
}

static void test_transport_over_virtiofsd(void **state)
{
	struct daemon d;
	struct virtio_fs fs;
	struct virtio_mmio m;
	uint16_t idx = 0;
	struct virtio_fs_params fp = {
	    .tag = "myfs", .num_request_queues = 1, .shmem_addr = GPA, .shmem_size = WIN};
	struct virtio_mmio_params mp = {.base = 0xa003e00,
					.shmem_addr = GPA,
					.shmem_size = WIN,
					.queue_num_max = 1024,
					.nqueues = 2};

	(void)state;
	if (!can_run())
		skip();
	daemon_start(&d);
	assert_int_equal(vhost_user_handshake(&d.vu), 0);
	fp.shmem_host = mp.shmem_host = (uint64_t)(uintptr_t)d.win;
	fp.shmem_fd = d.memfd;
	assert_int_equal(virtio_fs_init(&fs, &d.vu, &fp), 0);
	assert_int_equal(virtio_mmio_init(&m, &mp, &virtio_fs_ops, &fs, &nop_platform, NULL), 0);
	/* The whole vhost-user setup runs inside the DRIVER_OK write. */
	mmio_bring_up(&m);
	assert_true(m.live);
	/* The hypervisor would signal the kick eventfd on QueueNotify; do what it does. */
	fuse_init_roundtrip(&d, 1, m.q[1].kick_fd, m.irq_fd, &idx);
	/* Reset stops the rings (GET_VRING_BASE); a second DRIVER_OK starts them again where the
	 * driver's fresh rings begin. */
	wr(&m, VIRTIO_MMIO_STATUS, 0);
	assert_false(m.live);
	memset(d.win, 0, WIN);
	idx = 0;
	mmio_bring_up(&m);
	assert_true(m.live);
	fuse_init_roundtrip(&d, 1, m.q[1].kick_fd, m.irq_fd, &idx);
	virtio_mmio_destroy(&m);
	daemon_stop(&d);
}

/* Confinement: a ring outside the shared window is refused at DRIVER_OK by the device model
 * (virtiofsd would panic on it), the device goes broken with the reason, virtiofsd is never
 * told and stays up, and after a reset a correct driver gets a working device. */
static void test_ring_outside_window_refused(void **state)
{
	struct daemon d;
	struct virtio_fs fs;
	struct virtio_mmio m;
	uint16_t idx = 0;
	int st;
	struct virtio_fs_params fp = {
	    .tag = "myfs", .num_request_queues = 1, .shmem_addr = GPA, .shmem_size = WIN};
	struct virtio_mmio_params mp = {.base = 0xa003e00,
					.shmem_addr = GPA,
					.shmem_size = WIN,
					.queue_num_max = 1024,
					.nqueues = 2};

	(void)state;
	if (!can_run())
		skip();
	daemon_start(&d);
	assert_int_equal(vhost_user_handshake(&d.vu), 0);
	fp.shmem_host = mp.shmem_host = (uint64_t)(uintptr_t)d.win;
	fp.shmem_fd = d.memfd;
	assert_int_equal(virtio_fs_init(&fs, &d.vu, &fp), 0);
	assert_int_equal(virtio_mmio_init(&m, &mp, &virtio_fs_ops, &fs, &nop_platform, NULL), 0);
	mmio_bring_up_rings(&m, true);
	/* Refused: not live, DEVICE_NEEDS_RESET without DRIVER_OK, and the reason recorded. */
	assert_false(m.live);
	assert_int_equal(mmio_regs_read(&m, VIRTIO_MMIO_STATUS, 4),
			 0xb | VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_non_null(strstr(m.broken.msg, "outside shared window"));
	assert_false(fs.ring_started[1]);
	/* virtiofsd never saw the bad ring: still running. */
	assert_int_equal(waitpid(d.pid, &st, WNOHANG), 0);
	/* Reset, then a correct bring-up works over the same connection. */
	wr(&m, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(m.broken.code, 0);
	mmio_bring_up(&m);
	assert_true(m.live);
	fuse_init_roundtrip(&d, 1, m.q[1].kick_fd, m.irq_fd, &idx);
	virtio_mmio_destroy(&m);
	daemon_stop(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_handshake_and_init),
	    cmocka_unit_test(test_transport_over_virtiofsd),
	    cmocka_unit_test(test_ring_outside_window_refused),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
