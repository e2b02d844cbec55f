/* test_mmio_regs.c - the virtio-mmio transport with a fake device and fake platform: Linux's
 * probe sequence, feature negotiation, queue setup and activation, hostile rings, reset,
 * config space, interrupts, and request dispatch. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "dm_dispatch.h"
#include "virtio_fs.h"
#include "virtio_mmio.h"

#define BASE 0xa003e00ULL
#define SHM 0x10000000ULL
#define SHM_SIZE 0x1000000ULL
#define HOST 0x7f0000000000ULL
#define FEATS                                                                                      \
	((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_ACCESS_PLATFORM) | (1ULL << 29) |        \
	 (1ULL << 28))

struct fake_dev {
	uint8_t config[40];
	int start_calls, stop_calls, reset_calls;
	int start_rc;
	uint64_t start_features;
	struct virtio_dev_queue q[VIRTIO_MMIO_MAX_QUEUES];
	unsigned nq;
	int call_fd;
};

struct fake_plat {
	int ioeventfd_assigned, ioeventfd_deassigned, irqfd_assigned;
	uint64_t addr[VIRTIO_MMIO_MAX_QUEUES], data[VIRTIO_MMIO_MAX_QUEUES];
	int fd[VIRTIO_MMIO_MAX_QUEUES];
};

struct fixture {
	struct fake_dev dev;
	struct fake_plat plat;
	struct virtio_mmio m;
};

static uint64_t fake_features(void *d)
{
	(void)d;
	return FEATS;
}

static int fake_config_read(void *d, uint32_t off, uint32_t width, uint32_t *v)
{
	struct fake_dev *dev = d;

	if (off + width > sizeof(dev->config))
		return -EINVAL;
	*v = 0;
	memcpy(v, dev->config + off, width); /* little-endian host */
	return 0;
}

static int fake_start(void *d, uint64_t f, const struct virtio_dev_queue *q, unsigned nq,
		      int call_fd)
{
	struct fake_dev *dev = d;

	dev->start_calls++;
	dev->start_features = f;
	memcpy(dev->q, q, nq * sizeof(*q));
	dev->nq = nq;
	dev->call_fd = call_fd;
	return dev->start_rc;
}

static void fake_stop(void *d)
{
	((struct fake_dev *)d)->stop_calls++;
}

static void fake_reset(void *d)
{
	((struct fake_dev *)d)->reset_calls++;
}

static const struct virtio_dev_ops fake_ops = {
    .name = "fake",
    .device_id = VIRTIO_FS_DEVICE_ID,
    .features = fake_features,
    .config_read = fake_config_read,
    .start = fake_start,
    .stop = fake_stop,
    .reset = fake_reset,
};

static int fake_ioeventfd(void *ctx, int fd, uint64_t addr, uint64_t data, bool assign)
{
	struct fake_plat *p = ctx;

	if (!assign) {
		p->ioeventfd_deassigned++;
		return 0;
	}
	p->addr[data] = addr;
	p->data[data] = data;
	p->fd[data] = fd;
	p->ioeventfd_assigned++;
	return 0;
}

static int fake_irqfd(void *ctx, int fd, bool assign)
{
	(void)fd;
	if (assign)
		((struct fake_plat *)ctx)->irqfd_assigned++;
	return 0;
}

static const struct virtio_mmio_platform fake_platform = {fake_ioeventfd, fake_irqfd};

static int setup(void **state)
{
	static struct fixture f;
	struct virtio_mmio_params p = {
	    .base = BASE,
	    .shmem_addr = SHM,
	    .shmem_size = SHM_SIZE,
	    .shmem_host = HOST,
	    .queue_num_max = 1024,
	    .nqueues = 2,
	};

	memset(&f, 0, sizeof(f));
	memcpy(f.dev.config, "myfs", 4);
	f.dev.config[36] = 1;
	if (virtio_mmio_init(&f.m, &p, &fake_ops, &f.dev, &fake_platform, &f.plat))
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	virtio_mmio_destroy(&f->m);
	return 0;
}

static uint32_t rd(struct fixture *f, uint32_t off)
{
	return mmio_regs_read(&f->m, off, 4);
}

static void wr(struct fixture *f, uint32_t off, uint32_t v)
{
	mmio_regs_write(&f->m, off, 4, v);
}

/* Linux vm_probe + virtio_dev_probe up to FEATURES_OK, acking `feat`. */
static void negotiate(struct fixture *f, uint64_t feat)
{
	wr(f, VIRTIO_MMIO_STATUS, 0);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(feat >> 32));
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)feat);
	wr(f, VIRTIO_MMIO_STATUS, rd(f, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_FEATURES_OK);
}

static void setup_queue(struct fixture *f, uint32_t i, uint32_t num, uint64_t desc, uint64_t avail,
			uint64_t used)
{
	wr(f, VIRTIO_MMIO_QUEUE_SEL, i);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), 1024);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, num);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	wr(f, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
	wr(f, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(avail >> 32));
	wr(f, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
	wr(f, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 1);
}

static void driver_ok(struct fixture *f)
{
	wr(f, VIRTIO_MMIO_STATUS, rd(f, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
}

static void bring_up(struct fixture *f)
{
	negotiate(f, FEATS);
	setup_queue(f, 0, 128, SHM, SHM + 0x800, SHM + 0x1000);
	setup_queue(f, 1, 128, SHM + 0x2000, SHM + 0x2800, SHM + 0x3000);
	driver_ok(f);
}

static void test_probe_identity(void **state)
{
	struct fixture *f = *state;
	uint64_t feat;

	assert_int_equal(rd(f, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(f, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_ID), 26);
	assert_int_equal(rd(f, VIRTIO_MMIO_VENDOR_ID), VIRTIO_MMIO_VENDOR);
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	feat = (uint64_t)rd(f, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	feat |= rd(f, VIRTIO_MMIO_DEVICE_FEATURES);
	assert_int_equal(feat, FEATS);
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	/* No shared memory regions: SHMLen reads ~0 (Linux: no DAX window). */
	assert_int_equal(rd(f, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
	assert_int_equal(rd(f, VIRTIO_MMIO_SHM_LEN_HIGH), 0xffffffff);
	/* Queue 2 does not exist. */
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
}

static void test_features_ok_accepted(void **state)
{
	struct fixture *f = *state;

	negotiate(f, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_ACCESS_PLATFORM));
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	/* After FEATURES_OK the driver may no longer change its features. */
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	assert_int_equal(f->m.driver_features,
			 (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_ACCESS_PLATFORM));
}

static void test_features_refused(void **state)
{
	struct fixture *f = *state;

	/* A legacy driver (no VERSION_1): FEATURES_OK does not stick, Linux reads it back and
	 * fails. */
	negotiate(f, 1ULL << 29);
	assert_false(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	/* A feature never offered (bit 34, RING_PACKED). */
	negotiate(f, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << 34));
	assert_false(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	/* DRIVER_OK without FEATURES_OK: the device breaks. */
	driver_ok(f);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_false(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->m.broken.code, -EPROTO);
	assert_int_equal(f->dev.start_calls, 0);
}

static void test_driver_ok_starts(void **state)
{
	struct fixture *f = *state;
	uint64_t v;

	bring_up(f);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->dev.start_calls, 1);
	assert_int_equal(f->dev.start_features, FEATS);
	assert_int_equal(f->dev.nq, 2);
	/* Ring addresses: guest-physical as written, host = mapping + offset into the window. */
	assert_int_equal(f->dev.q[1].index, 1);
	assert_int_equal(f->dev.q[1].num, 128);
	assert_int_equal(f->dev.q[1].desc_gpa, SHM + 0x2000);
	assert_int_equal(f->dev.q[1].avail_gpa, SHM + 0x2800);
	assert_int_equal(f->dev.q[1].used_gpa, SHM + 0x3000);
	assert_int_equal(f->dev.q[1].desc_hva, HOST + 0x2000);
	assert_int_equal(f->dev.q[1].avail_hva, HOST + 0x2800);
	assert_int_equal(f->dev.q[1].used_hva, HOST + 0x3000);
	assert_int_equal(f->dev.call_fd, f->m.irq_fd);
	/* One irqfd, one ioeventfd per queue on QueueNotify with the queue index as datamatch. */
	assert_int_equal(f->plat.irqfd_assigned, 1);
	assert_int_equal(f->plat.ioeventfd_assigned, 2);
	assert_int_equal(f->plat.addr[1], BASE + 0x50);
	assert_int_equal(f->plat.data[1], 1);
	assert_int_equal(f->plat.fd[1], f->dev.q[1].kick_fd);
	/* A QueueNotify that reaches the device model anyway is forwarded to the kick eventfd. */
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(read(f->dev.q[1].kick_fd, &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 1);
	/* Queue registers are frozen while live. */
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 4);
	assert_int_equal(f->m.q[0].num, 128);
}

static void expect_broken(struct fixture *f, const char *needle)
{
	driver_ok(f);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_false(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->dev.start_calls, 0);
	assert_int_equal(f->m.broken.code, -EINVAL);
	assert_non_null(strstr(f->m.broken.msg, needle));
	/* Sticky: further status writes are ignored until a reset. */
	wr(f, VIRTIO_MMIO_STATUS, 0x0f);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(f->m.broken.code, 0);
}

static void test_bad_rings(void **state)
{
	struct fixture *f = *state;

	/* Descriptor table outside the window. */
	negotiate(f, FEATS);
	setup_queue(f, 0, 128, 0x1000, SHM + 0x800, SHM + 0x1000);
	expect_broken(f, "outside shared window");
	/* Used ring runs past the end of the window. */
	negotiate(f, FEATS);
	setup_queue(f, 0, 128, SHM, SHM + 0x800, SHM + SHM_SIZE - 0x100);
	expect_broken(f, "device ring");
	/* Wraparound of the 64-bit address space. */
	negotiate(f, FEATS);
	setup_queue(f, 0, 128, 0xfffffffffffff000ULL, SHM + 0x800, SHM + 0x1000);
	expect_broken(f, "outside shared window");
	/* Misaligned driver ring. */
	negotiate(f, FEATS);
	setup_queue(f, 0, 128, SHM, SHM + 0x801, SHM + 0x1000);
	expect_broken(f, "not 2-byte aligned");
	/* Size not a power of two, and above QueueNumMax. */
	negotiate(f, FEATS);
	setup_queue(f, 0, 100, SHM, SHM + 0x800, SHM + 0x1000);
	expect_broken(f, "size 100");
	negotiate(f, FEATS);
	setup_queue(f, 0, 2048, SHM, SHM + 0x8000, SHM + 0x9000);
	expect_broken(f, "size 2048");
	/* No queue at all. */
	negotiate(f, FEATS);
	expect_broken(f, "no ready queue");
	assert_int_equal(f->plat.ioeventfd_assigned, 0);
}

static void test_reset(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(f->dev.stop_calls, 1);
	assert_int_equal(f->dev.reset_calls, 2); /* the probe's own reset, then this one */
	assert_int_equal(f->plat.ioeventfd_deassigned, 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(f->m.driver_features, 0);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(f->m.q[1].num, 0);
	/* A reset before anything started does not stop the device. */
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(f->dev.stop_calls, 1);
	/* The second DRIVER_OK sets everything up again; the irqfd stays registered once. */
	bring_up(f);
	assert_int_equal(f->dev.start_calls, 2);
	assert_int_equal(f->plat.ioeventfd_assigned, 4);
	assert_int_equal(f->plat.irqfd_assigned, 1);
}

static void test_start_failure(void **state)
{
	struct fixture *f = *state;

	f->dev.start_rc = -EIO;
	bring_up(f);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(f->m.broken.code, -EIO);
	assert_non_null(strstr(f->m.broken.msg, "start failed"));
	/* stop is still owed for the part that did start. */
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(f->dev.stop_calls, 1);
	assert_int_equal(f->plat.ioeventfd_deassigned, 2);
}

static void test_config_space(void **state)
{
	struct fixture *f = *state;
	char tag[37] = {0};
	unsigned i;

	/* Linux reads the tag byte by byte (virtio_cread_bytes), then the le32 queue count. */
	for (i = 0; i < 36; i++)
		tag[i] = (char)mmio_regs_read(&f->m, VIRTIO_MMIO_CONFIG + i, 1);
	assert_string_equal(tag, "myfs");
	assert_int_equal(mmio_regs_read(&f->m, VIRTIO_MMIO_CONFIG + 36, 4), 1);
	assert_int_equal(mmio_regs_read(&f->m, VIRTIO_MMIO_CONFIG + 36, 2), 1);
	assert_int_equal(mmio_regs_read(&f->m, VIRTIO_MMIO_CONFIG, 4), 0x7366796d); /* "myfs" LE */
	/* Past the end, and odd widths, read as 0. */
	assert_int_equal(mmio_regs_read(&f->m, VIRTIO_MMIO_CONFIG + 38, 4), 0);
	assert_int_equal(mmio_regs_read(&f->m, VIRTIO_MMIO_CONFIG, 3), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_CONFIG_GENERATION), 0);
}

static void test_bad_accesses(void **state)
{
	struct fixture *f = *state;

	/* Registers are 32-bit only. */
	assert_int_equal(mmio_regs_read(&f->m, VIRTIO_MMIO_MAGIC_VALUE, 2), 0);
	mmio_regs_write(&f->m, VIRTIO_MMIO_STATUS, 1, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	/* Wrong direction, unknown offsets. */
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_SEL), 0);
	wr(f, VIRTIO_MMIO_MAGIC_VALUE, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(f, 0x0f0), 0);
	assert_int_equal(rd(f, 0x003), 0);
	/* Clearing status bits without a reset is ignored. */
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	/* Notify of a queue that is not live or does not exist. */
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 7);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	/* Writes for a queue that does not exist are dropped. */
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 9);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 8);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
}

static void test_interrupts(void **state)
{
	struct fixture *f = *state;
	uint64_t v;

	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	bring_up(f);
	/* Live: the used-buffer bit is always reported, and an ACK does not hide the next one. */
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	wr(f, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	/* The backend hangs up: NEEDS_RESET, config-change bit, interrupt raised. */
	virtio_mmio_backend_lost(&f->m, "virtiofsd disconnected");
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(rd(f, VIRTIO_MMIO_CONFIG_GENERATION), 1);
	assert_int_equal(read(f->m.irq_fd, &v, sizeof(v)), sizeof(v));
	wr(f, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_non_null(strstr(f->m.broken.msg, "virtiofsd disconnected"));
}

static void test_dispatch(void **state)
{
	struct fixture *f = *state;
	struct bao_virtio_request r = {
	    .addr = BASE, .op = BAO_IO_READ, .access_width = 4, .value = 5};

	dm_dispatch_request(&f->m, &r);
	assert_int_equal(r.value, 0x74726976);
	r = (struct bao_virtio_request){
	    .addr = BASE + 0x70, .op = BAO_IO_WRITE, .access_width = 4, .value = 1};
	dm_dispatch_request(&f->m, &r);
	assert_int_equal(f->m.status, 1);
	/* Outside the device: reads complete with 0. */
	r = (struct bao_virtio_request){
	    .addr = BASE + 0x200, .op = BAO_IO_READ, .access_width = 4, .value = 5};
	dm_dispatch_request(&f->m, &r);
	assert_int_equal(r.value, 0);
	r = (struct bao_virtio_request){
	    .addr = BASE - 4, .op = BAO_IO_READ, .access_width = 4, .value = 5};
	dm_dispatch_request(&f->m, &r);
	assert_int_equal(r.value, 0);
}

static void test_fs_feature_filter(void **state)
{
	const uint64_t virtiofsd = 0x175000000ULL; /* measured offer of Debian's virtiofsd 7.2 */
	uint64_t offered = virtio_fs_offered_features(virtiofsd);

	(void)state;
	/* LOG_ALL and PROTOCOL_FEATURES hidden, ACCESS_PLATFORM added. */
	assert_int_equal(offered, (0x175000000ULL & ~((1ULL << 26) | (1ULL << 30))) | (1ULL << 33));
	/* Towards the backend: ACCESS_PLATFORM stripped, PROTOCOL_FEATURES added back. */
	assert_int_equal(
	    virtio_fs_backend_features((1ULL << 32) | (1ULL << 33) | (1ULL << 29), virtiofsd),
	    (1ULL << 32) | (1ULL << 29) | (1ULL << 30));
	assert_int_equal(virtio_fs_backend_features(1ULL << 32, 1ULL << 32), 1ULL << 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_probe_identity, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_features_ok_accepted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_features_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_driver_ok_starts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_rings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_start_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config_space, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_accesses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_interrupts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dispatch, setup, teardown),
	    cmocka_unit_test(test_fs_feature_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
