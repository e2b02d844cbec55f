/* test_virtio_fs.c - the virtio-fs device over a fake vhost-user backend (a socketpair): the
 * config space from config-fs.yaml when the backend has no CONFIG protocol feature, the
 * backend's own via VHOST_USER_GET_CONFIG when it has, every malformed config space refused
 * naming virtiofsd, and more than one request queue served where the backend can (MQ and
 * GET_QUEUE_NUM) and refused with the reason where it cannot. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "fake_driver.h"
#include "fake_vhost_backend.h"
#include "log_capture.h"
#include "virtio_fs.h"
#include "virtio_fs_config.h"
#include "virtio_mmio.h"

#define GPA 0x10000000ULL
#define WIN 0x100000ULL
#define QSZ 8
#define MQ (1ULL << VHOST_USER_PROTOCOL_F_MQ)
#define ACK (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK)
#define CONFIG (1ULL << VHOST_USER_PROTOCOL_F_CONFIG)

struct fixture {
	struct fake_vhost_backend be;
	struct vhost_user vu;
	struct fake_driver_window w;
	struct virtio_fs fs;
	struct virtio_fs_params fp;
	char log[4096];
};

static struct fixture fx;

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

/* A backend like the Rust virtiofsd's: VERSION_1, PROTOCOL_FEATURES, EVENT_IDX. */
static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.be.features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << 30) | (1ULL << 29);
	fx.be.protocol_features = MQ | ACK;
	fx.be.queue_num = 2;
	assert_int_equal(fake_driver_window_open(&fx.w, GPA, WIN), 0);
	fx.fp = (struct virtio_fs_params){.tag = "myfs",
					  .num_request_queues = 1,
					  .shmem_addr = GPA,
					  .shmem_size = WIN,
					  .shmem_host = (uint64_t)(uintptr_t)fx.w.win,
					  .shmem_fd = fx.w.memfd};
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_vhost_backend_stop(&fx.be, &fx.vu);
	fake_driver_window_close(&fx.w);
	return 0;
}

/* Start the fake, handshake, virtio_fs_init; the log of init is kept in fx.log. */
static int start(void)
{
	int rc;

	assert_int_equal(fake_vhost_backend_start(&fx.be, &fx.vu), 0);
	assert_int_equal(vhost_user_handshake(&fx.vu), 0);
	assert_int_equal(log_capture_begin(), 0);
	rc = virtio_fs_init(&fx.fs, &fx.vu, &fx.fp);
	log_capture_end(fx.log, sizeof(fx.log));
	return rc;
}

static void set_backend_config(const char *tag, size_t tag_len, uint32_t nrq)
{
	fx.be.protocol_features |= CONFIG;
	memset(fx.be.config, 0, sizeof(fx.be.config));
	memcpy(fx.be.config, tag, tag_len);
	memcpy(fx.be.config + 36, &nrq, 4); /* le32, little-endian host */
	fx.be.config_len = VIRTIO_FS_CONFIG_SIZE;
}

static void mmio_init(struct virtio_mmio *m)
{
	struct virtio_mmio_params mp = {.base = 0xa003e00,
					.shmem_addr = GPA,
					.shmem_size = WIN,
					.shmem_host = (uint64_t)(uintptr_t)fx.w.win,
					.queue_num_max = 1024,
					.nqueues = virtio_fs_num_queues(&fx.fs)};

	assert_int_equal(virtio_mmio_init(m, &mp, &virtio_fs_ops, &fx.fs, &nop_platform, NULL), 0);
}

/* Debian's C virtiofsd 7.2 (and the Rust one without --tag): no CONFIG protocol feature, so
 * the device model builds the config space from config-fs.yaml and never asks. */
static void test_config_from_yaml(void **state)
{
	struct virtio_mmio m;
	uint8_t cfg[VIRTIO_FS_CONFIG_SIZE], want[VIRTIO_FS_CONFIG_SIZE];

	(void)state;
	fx.fp.tag = "yamlfs";
	assert_int_equal(start(), 0);
	assert_false(fx.vu.protocol_acked & CONFIG);
	assert_false(fx.fs.config_from_backend);
	assert_string_equal(fx.fs.cfg.tag, "yamlfs");
	assert_int_equal(virtio_fs_num_queues(&fx.fs), 2);
	mmio_init(&m);
	/* The driver reads tag[36] + le32 num_request_queues at 0x100. */
	fake_driver_read_config(&m, cfg);
	assert_int_equal(virtio_fs_config_build("yamlfs", 1, want), 0);
	assert_memory_equal(cfg, want, sizeof(cfg));
	virtio_mmio_destroy(&m);
	fake_vhost_backend_stop(&fx.be, &fx.vu);
	assert_int_equal(fx.be.get_config_calls, 0);
}

/* The Rust virtiofsd with --tag offers CONFIG: its tag and queue count are what the driver
 * sees; config-fs.yaml's are not used, and the log says so. */
static void test_config_from_backend(void **state)
{
	struct virtio_mmio m;
	uint8_t cfg[VIRTIO_FS_CONFIG_SIZE];

	(void)state;
	set_backend_config("rustfs", 6, 1);
	fx.fp.tag = "yamlfs";
	assert_int_equal(start(), 0);
	assert_true(fx.vu.protocol_acked & CONFIG);
	assert_true(fx.fs.config_from_backend);
	assert_string_equal(fx.fs.cfg.tag, "rustfs");
	assert_int_equal(fx.fs.cfg.num_request_queues, 1);
	assert_non_null(strstr(fx.log, "config-fs.yaml's tag 'yamlfs' and 1 request queue(s) not "
				       "used: virtiofsd (fake-virtiofsd) supplies its own"));
	mmio_init(&m);
	fake_driver_read_config(&m, cfg);
	assert_memory_equal(cfg, fx.be.config, sizeof(cfg));
	/* A tag filling all 36 bytes needs no NUL (virtio 1.2 §5.11.4). */
	virtio_mmio_destroy(&m);
	fake_vhost_backend_stop(&fx.be, &fx.vu);
	assert_int_equal(fx.be.get_config_calls, 1);
	set_backend_config("abcdefghijklmnopqrstuvwxyz0123456789", 36, 1);
	assert_int_equal(start(), 0);
	assert_string_equal(fx.fs.cfg.tag, "abcdefghijklmnopqrstuvwxyz0123456789");
}

struct bad_config {
	const char *tag;
	size_t tag_len;
	uint32_t nrq;
	const char *why;
};

/* Each malformed config space is refused before the driver could read it: -EPROTO, and the
 * message names virtiofsd, the request and what was wrong with which byte or value. */
static void test_malformed_backend_config(void **state)
{
	static const struct bad_config bad[] = {
	    {"my\0fs", 5, 1, "tag not NUL-padded: byte 3 is 0x66 after the NUL at byte 2"},
	    {"", 0, 1, "tag is empty"},
	    {"my\nfs", 5, 1, "tag byte 2 is control character 0x0a"},
	    {"myfs", 4, 0, "num_request_queues 0 not in [1, 15]"},
	    {"myfs", 4, 16, "num_request_queues 16 not in [1, 15]"},
	    {"myfs", 4, 0x01000001, "num_request_queues 16777217 not in [1, 15]"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("case %zu: %s\n", i, bad[i].why);
		set_backend_config(bad[i].tag, bad[i].tag_len, bad[i].nrq);
		assert_int_equal(start(), -EPROTO);
		assert_non_null(strstr(fx.log, "malformed config space from virtiofsd "
					       "(fake-virtiofsd, VHOST_USER_GET_CONFIG)"));
		assert_non_null(strstr(fx.log, bad[i].why));
		fake_vhost_backend_stop(&fx.be, &fx.vu);
	}
}

/* A backend that offers CONFIG but refuses GET_CONFIG (the vhost crate answers with size 0)
 * or answers another offset: an error naming virtiofsd, never a guessed config space. */
static void test_backend_config_refused(void **state)
{
	(void)state;
	set_backend_config("myfs", 4, 1);
	fx.be.refuse_config = true;
	assert_int_equal(start(), -EPROTO);
	assert_non_null(strstr(fx.log, "GET_CONFIG refused: the reply carries 0 of the 40 bytes"));
	assert_non_null(strstr(fx.log, "virtiofsd (fake-virtiofsd) offers "
				       "VHOST_USER_PROTOCOL_F_CONFIG but its VHOST_USER_GET_CONFIG "
				       "failed"));
	/* The refusal was read whole: the connection is still in step and usable. */
	assert_true(fx.vu.fd >= 0);
	fake_vhost_backend_stop(&fx.be, &fx.vu);
	fx.be.refuse_config = false;
	fx.be.config_bad_echo = true;
	assert_int_equal(start(), -EPROTO);
	assert_non_null(strstr(fx.log, "GET_CONFIG reply for offset 4 size 40, asked offset 0 "
				       "size 40"));
}

/* The guest notifies queue q (the hypervisor signals its ioeventfd); which of the backend's
 * kick fds became readable? */
static unsigned kicked_queue(struct virtio_mmio *m, unsigned q, unsigned nq)
{
	uint64_t one = 1, v;
	unsigned i, hit = 99;

	assert_int_equal(write(m->q[q].kick_fd, &one, sizeof(one)), sizeof(one));
	for (i = 0; i < nq; i++) {
		assert_true(fx.be.ring[i].kick_fd_ok);
		if (read(fx.be.ring[i].kick_fd, &v, sizeof(v)) == sizeof(v))
			hit = i;
	}
	return hit;
}

/* Two request queues on a backend with MQ and GET_QUEUE_NUM 3: the transport exposes queues
 * 0..2 (QueueNumMax 0 beyond), DRIVER_OK hands every ring to the backend with its own kick
 * eventfd (a notify of queue q reaches the backend's ring q), reset stops each. */
static void test_two_request_queues(void **state)
{
	struct virtio_mmio m;
	unsigned q;

	(void)state;
	fx.be.queue_num = 3;
	set_backend_config("myfs", 4, 2);
	assert_int_equal(start(), 0);
	assert_int_equal(fx.vu.queue_num, 3);
	assert_int_equal(virtio_fs_num_queues(&fx.fs), 3);
	mmio_init(&m);
	mmio_regs_write(&m, VIRTIO_MMIO_QUEUE_SEL, 4, 2);
	assert_int_equal(mmio_regs_read(&m, VIRTIO_MMIO_QUEUE_NUM_MAX, 4), 1024);
	mmio_regs_write(&m, VIRTIO_MMIO_QUEUE_SEL, 4, 3);
	assert_int_equal(mmio_regs_read(&m, VIRTIO_MMIO_QUEUE_NUM_MAX, 4), 0);
	assert_int_equal(fake_driver_bring_up(&m, &fx.w, 3, QSZ), 0xf);
	assert_true(m.live);
	for (q = 0; q < 3; q++)
		assert_int_equal(kicked_queue(&m, q, 3), q);
	/* Reset: GET_VRING_BASE on each started ring. */
	mmio_regs_write(&m, VIRTIO_MMIO_STATUS, 4, 0);
	virtio_mmio_destroy(&m);
	fake_vhost_backend_stop(&fx.be, &fx.vu);
	assert_int_equal(fx.be.mem_tables, 1);
	for (q = 0; q < 3; q++) {
		const struct fake_vhost_ring *r = &fx.be.ring[q];

		print_message("queue %u\n", q);
		assert_int_equal(r->num, 1);
		assert_int_equal(r->size, QSZ);
		assert_int_equal(r->base, 1);
		assert_int_equal(r->addr, 1);
		assert_int_equal(r->call, 1);
		assert_int_equal(r->kick, 1);
		assert_true(r->kick_fd_ok);
		assert_int_equal(r->enable, 1);
		assert_true(r->enabled);
		assert_int_equal(r->get_base, 1);
	}
	assert_int_equal(fx.be.ring[3].num, 0);
	assert_int_equal(fx.be.unknown, 0);
}

/* config-fs.yaml asks for 4 request queues and the backend (no CONFIG) has MQ with 5 queues. */
static void test_request_queues_from_yaml(void **state)
{
	(void)state;
	fx.be.queue_num = 5;
	fx.fp.num_request_queues = 4;
	assert_int_equal(start(), 0);
	assert_int_equal(virtio_fs_num_queues(&fx.fs), 5);
}

/* Where the backend cannot serve the request queues asked for: refused, saying why. */
static void test_request_queues_refused(void **state)
{
	(void)state;
	/* No MQ: a vhost-user backend serves the device's default, hiprio + 1. */
	fx.be.protocol_features = ACK;
	fx.fp.num_request_queues = 2;
	assert_int_equal(start(), -EINVAL);
	assert_non_null(strstr(fx.log, "2 request queues need VHOST_USER_PROTOCOL_F_MQ, which "
				       "virtiofsd (fake-virtiofsd) does not offer"));
	fake_vhost_backend_stop(&fx.be, &fx.vu);
	/* MQ with GET_QUEUE_NUM 2 (both Debian virtiofsds): one request queue only. */
	fx.be.protocol_features = MQ | ACK;
	assert_int_equal(start(), -EINVAL);
	assert_non_null(strstr(fx.log, "2 request queue(s) need 3 queues (hiprio + 2) but "
				       "virtiofsd (fake-virtiofsd) serves 2 (GET_QUEUE_NUM): lower "
				       "num_request_queues in config-fs.yaml"));
	fake_vhost_backend_stop(&fx.be, &fx.vu);
	/* The backend's own config space promising more queues than it serves. */
	fx.fp.num_request_queues = 1;
	set_backend_config("myfs", 4, 3);
	assert_int_equal(start(), -EINVAL);
	assert_non_null(strstr(fx.log, "its own config space contradicts it"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_config_from_yaml),	      T(test_config_from_backend),
	    T(test_malformed_backend_config), T(test_backend_config_refused),
	    T(test_two_request_queues),	      T(test_request_queues_from_yaml),
	    T(test_request_queues_refused),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("virtio_fs", tests, NULL, NULL);
}
