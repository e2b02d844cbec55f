/* fuzz_mmio_regs.c - libFuzzer target: the device model's virtio-mmio register file
 * (mmio_regs_read/write, Bao requests through dm_dispatch_request) driven by a sequence of
 * accesses decoded from the input, with a fake device and fake platform hooks. It must never
 * crash, leak an eventfd or start the device with rings outside the window; a broken state is
 * allowed. Input: 4-byte preamble, then 8-byte accesses. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bao.h"
#include "dm_dispatch.h"
#include "fuzz_input.h"
#include "log.h"
#include "virtio_mmio.h"

#define FUZZ_MMIO_BASE 0xa003e00ULL
#define FUZZ_MMIO_SHM 0x10000000ULL
#define FUZZ_MMIO_SHM_SIZE 0x1000000ULL
#define FUZZ_MMIO_HOST 0x7f0000000000ULL /* never dereferenced: the fake device only checks it */

struct fuzz_mmio_fake {
	uint8_t config[40];
	uint8_t fail; /* bit 0 start fails, bit 1 ioeventfd fails, bit 2 irqfd fails */
	bool started;
};

static uint64_t fuzz_mmio_features(void *d)
{
	(void)d;
	return (1ULL << 32) | (1ULL << 33) | (1ULL << 28) | (1ULL << 29);
}

static int fuzz_mmio_config_read(void *d, uint32_t off, uint32_t width, uint32_t *v)
{
	struct fuzz_mmio_fake *f = d;

	FUZZ_CHECK(width == 1 || width == 2 || width == 4, "config read width %u", width);
	if (off >= sizeof(f->config) || width > sizeof(f->config) - off)
		return -EINVAL;
	*v = 0;
	memcpy(v, f->config + off, width);
	return 0;
}

static int fuzz_mmio_config_write(void *d, uint32_t off, uint32_t width, uint32_t v)
{
	struct fuzz_mmio_fake *f = d;

	FUZZ_CHECK(width == 1 || width == 2 || width == 4, "config write width %u", width);
	if (off >= sizeof(f->config) || width > sizeof(f->config) - off)
		return -EINVAL;
	memcpy(f->config + off, &v, width);
	return 0;
}

static int fuzz_mmio_start(void *d, uint64_t features, const struct virtio_dev_queue *q,
			   unsigned nq, int call_fd)
{
	struct fuzz_mmio_fake *f = d;
	unsigned i;

	(void)features;
	FUZZ_CHECK(nq >= 1 && nq <= VIRTIO_MMIO_MAX_QUEUES, "start with %u queues", nq);
	FUZZ_CHECK(call_fd >= 0, "no call fd");
	for (i = 0; i < nq; i++) {
		uint64_t end = FUZZ_MMIO_SHM + FUZZ_MMIO_SHM_SIZE;

		FUZZ_CHECK(q[i].num >= 1 && q[i].num <= 32768, "queue %u num %u", i, q[i].num);
		FUZZ_CHECK(q[i].desc_gpa >= FUZZ_MMIO_SHM &&
			       q[i].desc_gpa + 16ull * q[i].num <= end,
			   "desc");
		FUZZ_CHECK(q[i].avail_gpa >= FUZZ_MMIO_SHM &&
			       q[i].avail_gpa + 6 + 2ull * q[i].num <= end,
			   "avail");
		FUZZ_CHECK(q[i].used_gpa >= FUZZ_MMIO_SHM &&
			       q[i].used_gpa + 6 + 8ull * q[i].num <= end,
			   "used");
		FUZZ_CHECK(q[i].desc_hva - q[i].desc_gpa == FUZZ_MMIO_HOST - FUZZ_MMIO_SHM, "hva");
		FUZZ_CHECK(q[i].kick_fd >= 0 && fcntl(q[i].kick_fd, F_GETFD) >= 0, "kick fd %d",
			   q[i].kick_fd);
	}
	FUZZ_CHECK(!f->started, "started twice without stop");
	if (f->fail & 1)
		return -EIO;
	f->started = true;
	return 0;
}

static void fuzz_mmio_stop(void *d)
{
	((struct fuzz_mmio_fake *)d)->started = false;
}

static void fuzz_mmio_reset(void *d)
{
	FUZZ_CHECK(!((struct fuzz_mmio_fake *)d)->started, "reset while started");
}

static const struct virtio_dev_ops fuzz_mmio_ops = {
    .name = "fuzz",
    .device_id = 26,
    .features = fuzz_mmio_features,
    .config_read = fuzz_mmio_config_read,
    .config_write = fuzz_mmio_config_write,
    .start = fuzz_mmio_start,
    .stop = fuzz_mmio_stop,
    .reset = fuzz_mmio_reset,
};

static int fuzz_mmio_ioeventfd(void *ctx, int fd, uint64_t addr, uint64_t data, bool assign)
{
	struct fuzz_mmio_fake *f = ctx;

	FUZZ_CHECK(fd >= 0 && addr == FUZZ_MMIO_BASE + 0x50 && data < VIRTIO_MMIO_MAX_QUEUES,
		   "ioeventfd");
	return assign && (f->fail & 2) ? -EEXIST : 0;
}

static int fuzz_mmio_irqfd(void *ctx, int fd, bool assign)
{
	struct fuzz_mmio_fake *f = ctx;

	FUZZ_CHECK(fd >= 0, "irqfd %d", fd);
	return assign && (f->fail & 4) ? -EBUSY : 0;
}

static const struct virtio_mmio_platform fuzz_mmio_platform = {fuzz_mmio_ioeventfd,
							       fuzz_mmio_irqfd};

static unsigned fuzz_mmio_open_fds(void)
{
	unsigned n = 0;

	for (int fd = 3; fd < 128; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

static const uint32_t fuzz_mmio_widths[8] = {4, 4, 4, 4, 1, 2, 8, 3};

static void fuzz_mmio_run(struct virtio_mmio *m, struct fuzz_input *in)
{
	struct bao_virtio_request req;

	while (in->n) {
		uint8_t op = fuzz_input_u8(in);
		uint16_t off = fuzz_input_u16(in);
		uint32_t value = fuzz_input_u32(in);
		uint32_t width = fuzz_mmio_widths[(op >> 2) & 7];
		uint8_t pick = fuzz_input_u8(in);

		/* Mostly aligned register offsets below 0x200; sometimes anything. */
		if (!(op & 0x20))
			off = (uint16_t)((off % VIRTIO_MMIO_SIZE) & ~3u);
		switch (op & 3) {
		case 0:
			(void)mmio_regs_read(m, off, width);
			break;
		case 1:
			mmio_regs_write(m, off, width, value);
			break;
		case 2:
			memset(&req, 0, sizeof(req));
			req.addr = FUZZ_MMIO_BASE + off - ((op & 0x40) ? 0x1000 : 0);
			req.op = pick & 3;
			req.value = value;
			req.access_width = (pick >> 2) & 15;
			req.request_id = 1;
			dm_dispatch_request(m, &req);
			break;
		default:
			virtio_mmio_notify(m, pick);
			break;
		}
	}
}

FUZZ_QUIET_INIT()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	struct fuzz_mmio_fake fake;
	struct virtio_mmio_params p = {
	    .base = FUZZ_MMIO_BASE,
	    .shmem_addr = FUZZ_MMIO_SHM,
	    .shmem_size = FUZZ_MMIO_SHM_SIZE,
	    .shmem_host = FUZZ_MMIO_HOST,
	};
	static struct virtio_mmio m;
	unsigned fds = fuzz_mmio_open_fds();

	memset(&fake, 0, sizeof(fake));
	p.nqueues = 1 + fuzz_input_u8(&in) % VIRTIO_MMIO_MAX_QUEUES;
	p.queue_num_max = 1u << (fuzz_input_u8(&in) % 16);
	fake.fail = fuzz_input_u8(&in);
	fuzz_input_u8(&in);
	if (virtio_mmio_init(&m, &p, &fuzz_mmio_ops, &fake, &fuzz_mmio_platform, &fake))
		return 0;
	fuzz_mmio_run(&m, &in);
	virtio_mmio_destroy(&m);
	FUZZ_CHECK(!fake.started, "device still started after destroy");
	FUZZ_CHECK(fuzz_mmio_open_fds() == fds, "eventfd leak: %u fds before, %u after", fds,
		   fuzz_mmio_open_fds());
	return 0;
}
