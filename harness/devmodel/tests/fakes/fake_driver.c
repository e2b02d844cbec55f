/* fake_driver.c - test-only guest side: window, register-level bring-up, one FUSE_INIT. */
#include "fake_driver.h"

#include <errno.h>
#include <linux/fuse.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int fake_driver_window_open(struct fake_driver_window *w, uint64_t gpa, uint64_t size)
{
	memset(w, 0, sizeof(*w));
	w->memfd = memfd_create("devmodel-test-window", MFD_CLOEXEC);
	if (w->memfd < 0)
		return -errno;
	if (ftruncate(w->memfd, (off_t)size) < 0) {
		close(w->memfd);
		return -errno;
	}
	w->win = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, w->memfd, 0);
	if (w->win == MAP_FAILED) {
		close(w->memfd);
		return -errno;
	}
	w->gpa = gpa;
	w->size = size;
	return 0;
}

void fake_driver_window_close(struct fake_driver_window *w)
{
	if (w->win && w->win != MAP_FAILED)
		munmap(w->win, w->size);
	if (w->memfd >= 0)
		close(w->memfd);
	w->win = NULL;
	w->memfd = -1;
}

uint64_t fake_driver_ring_off(unsigned q, unsigned part)
{
	return 0x10000ULL * (q + 1) + 0x1000ULL * part;
}

static void fake_driver_wr(struct virtio_mmio *m, uint32_t off, uint32_t v)
{
	mmio_regs_write(m, off, 4, v);
}

uint32_t fake_driver_bring_up(struct virtio_mmio *m, const struct fake_driver_window *w,
			      unsigned nq, uint32_t qsz)
{
	uint64_t want = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_ACCESS_PLATFORM), f;
	unsigned q;

	fake_driver_wr(m, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	fake_driver_wr(m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)mmio_regs_read(m, VIRTIO_MMIO_DEVICE_FEATURES, 4) << 32;
	fake_driver_wr(m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f |= mmio_regs_read(m, VIRTIO_MMIO_DEVICE_FEATURES, 4);
	f &= want;
	fake_driver_wr(m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	fake_driver_wr(m, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	fake_driver_wr(m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	fake_driver_wr(m, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	fake_driver_wr(m, VIRTIO_MMIO_STATUS, 0xb);
	for (q = 0; q < nq; q++) {
		fake_driver_wr(m, VIRTIO_MMIO_QUEUE_SEL, q);
		fake_driver_wr(m, VIRTIO_MMIO_QUEUE_NUM, qsz);
		fake_driver_wr(m, VIRTIO_MMIO_QUEUE_DESC_LOW,
			       (uint32_t)(w->gpa + fake_driver_ring_off(q, 0)));
		fake_driver_wr(m, VIRTIO_MMIO_QUEUE_AVAIL_LOW,
			       (uint32_t)(w->gpa + fake_driver_ring_off(q, 1)));
		fake_driver_wr(m, VIRTIO_MMIO_QUEUE_USED_LOW,
			       (uint32_t)(w->gpa + fake_driver_ring_off(q, 2)));
		fake_driver_wr(m, VIRTIO_MMIO_QUEUE_READY, 1);
	}
	fake_driver_wr(m, VIRTIO_MMIO_STATUS, 0xf);
	return mmio_regs_read(m, VIRTIO_MMIO_STATUS, 4);
}

void fake_driver_read_config(struct virtio_mmio *m, uint8_t out[VIRTIO_FS_CONFIG_SIZE])
{
	for (uint32_t off = 0; off < VIRTIO_FS_CONFIG_SIZE; off += 4) {
		uint32_t v = mmio_regs_read(m, 0x100 + off, 4);

		memcpy(out + off, &v, 4); /* little-endian host, as the config space */
	}
}

int fake_driver_fuse_init(const struct fake_driver_window *w, unsigned q, uint32_t qsz, int kick_fd,
			  int call_fd, uint16_t *avail_idx, uint32_t *major, uint32_t *minor)
{
	struct vring_desc *desc = (void *)(w->win + fake_driver_ring_off(q, 0));
	struct vring_avail *avail = (void *)(w->win + fake_driver_ring_off(q, 1));
	struct vring_used *used = (void *)(w->win + fake_driver_ring_off(q, 2));
	uint64_t buf_off = fake_driver_ring_off(q, 3), one = 1;
	uint8_t *buf = w->win + buf_off;
	struct fuse_in_header in = {.len = sizeof(in) + sizeof(struct fuse_init_in),
				    .opcode = FUSE_INIT,
				    .unique = 2 + 2ULL * *avail_idx};
	struct fuse_init_in init = {.major = 7, .minor = 36, .max_readahead = 65536};
	struct fuse_out_header *out = (void *)(buf + 0x400);
	struct fuse_init_out *io = (void *)(out + 1);
	uint16_t want = (uint16_t)(*avail_idx + 1);
	int i;

	memcpy(buf, &in, sizeof(in));
	memcpy(buf + sizeof(in), &init, sizeof(init));
	memset(out, 0xff, sizeof(*out));
	/* Guest puts a two-descriptor chain in: request (readable), reply (writable). */
	desc[0] = (struct vring_desc){w->gpa + buf_off, in.len, VRING_DESC_F_NEXT, 1};
	desc[1] = (struct vring_desc){w->gpa + buf_off + 0x400, 0x400, VRING_DESC_F_WRITE, 0};
	avail->ring[*avail_idx % qsz] = 0;
	__atomic_store_n(&avail->idx, want, __ATOMIC_RELEASE);
	if (write(kick_fd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	/* Host processes it and signals the call eventfd (shared by every queue): wait for
	 * used->idx, as a driver does. */
	for (i = 0; i < 40 && __atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) != want; i++) {
		struct pollfd pfd = {.fd = call_fd, .events = POLLIN};
		uint64_t v;

		if (poll(&pfd, 1, 50) == 1 && read(call_fd, &v, sizeof(v)) < 0)
			return -errno;
	}
	if (__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) != want)
		return -ETIMEDOUT;
	*avail_idx = want;
	if (used->ring[(want - 1) % qsz].len < sizeof(*out) + 8 || out->unique != in.unique ||
	    out->error)
		return -EPROTO;
	*major = io->major;
	*minor = io->minor;
	return 0;
}
