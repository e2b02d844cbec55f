/* bench_direct.c - the direct baseline: our fuse_client, vq_drv rings in a memfd, vhost-user
 * handshake done here with the device model's vhost_user.c, and a guest_bus whose "registers"
 * are answered in-process (QueueNotify -> kick eventfd, interrupt -> call eventfd). */
#include "bench_direct.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fuse_ops.h"
#include "log.h"
#include "proc.h"
#include "stack.h"
#include "vhost_user.h"

#define BENCH_DIRECT_GPA 0x10000000ULL
#define BENCH_DIRECT_SIZE 0x01000000ULL /* fakebao's default window: same rings, same buffers */
#define BENCH_DIRECT_QSIZE 1024u

struct bench_direct {
	pid_t vfsd;
	int memfd, kick[2], call;
	void *mem;
	struct vhost_user vu;
	struct guest_bus bus;
	struct window_alloc wa;
	struct virtio_mmio_drv dev;
	struct vq_drv vq[2];
	bool vq_ready[2];
	struct fuse_client fc;
	uint64_t kicks, irqs, bus_accesses;
};

static int bench_direct_read(void *ctx, uint64_t addr, unsigned int width, uint64_t *value)
{
	struct bench_direct *d = ctx;

	(void)width;
	d->bus_accesses++;
	/* Only the interrupt path reads registers once the queues are up. */
	*value = addr == VIRTIO_MMIO_INTERRUPT_STATUS ? VIRTIO_MMIO_INT_VRING : 0;
	return 0;
}

static int bench_direct_write(void *ctx, uint64_t addr, unsigned int width, uint64_t value)
{
	struct bench_direct *d = ctx;
	uint64_t one = 1;

	(void)width;
	d->bus_accesses++;
	if (addr != VIRTIO_MMIO_QUEUE_NOTIFY)
		return 0;
	if (value > 1)
		return -EINVAL;
	d->kicks++;
	return write(d->kick[value], &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

static int bench_direct_wait_irq(void *ctx, int timeout_ms)
{
	struct bench_direct *d = ctx;
	struct pollfd p = {d->call, POLLIN, 0};
	uint64_t cnt;
	int r = poll(&p, 1, timeout_ms);

	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	if (r == 0)
		return 0;
	if (read(d->call, &cnt, sizeof(cnt)) != sizeof(cnt))
		return 0;
	d->irqs++;
	return 1;
}

/* virtiofsd from the stack's backend launcher, like every other path's. */
static int bench_direct_spawn(struct bench_direct *d, const char *share, const char *rundir,
			      char *sock, size_t len)
{
	char logp[4400];

	snprintf(sock, len, "%s/direct.sock", rundir);
	snprintf(logp, sizeof(logp), "%s/virtiofsd-direct.log", rundir);
	d->vfsd = stack_backend_spawn(NULL, share, sock, logp, 0, -1);
	if (d->vfsd < 0) {
		int r = d->vfsd;

		d->vfsd = 0;
		return r;
	}
	return 0;
}

/* One ring: size, base 0, our virtual addresses (virtiofsd wants them), call, kick, enable. */
static int bench_direct_ring(struct bench_direct *d, unsigned int i)
{
	struct vq_drv *q = &d->vq[i];
	struct vhost_user_vring_addr a = {
	    .index = i,
	    .desc_user_addr = (uint64_t)(uintptr_t)q->desc,
	    .used_user_addr = (uint64_t)(uintptr_t)q->used,
	    .avail_user_addr = (uint64_t)(uintptr_t)q->avail,
	};
	int rc = vhost_user_set_vring_num(&d->vu, i, q->size);

	rc = rc ? rc : vhost_user_set_vring_base(&d->vu, i, 0);
	rc = rc ? rc : vhost_user_set_vring_addr(&d->vu, &a);
	rc = rc ? rc : vhost_user_set_vring_call(&d->vu, i, d->call);
	rc = rc ? rc : vhost_user_set_vring_kick(&d->vu, i, d->kick[i]);
	if (!rc && (d->vu.features & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES)))
		rc = vhost_user_set_vring_enable(&d->vu, i, true);
	return rc;
}

static int bench_direct_setup(struct bench_direct *d, const char *sock, enum fe_wait_policy wait)
{
	struct vhost_user_mem_region r = {BENCH_DIRECT_GPA, BENCH_DIRECT_SIZE, 0, 0};
	uint64_t feat;
	int rc;

	d->mem = mmap(NULL, BENCH_DIRECT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, d->memfd, 0);
	if (d->mem == MAP_FAILED) {
		d->mem = NULL;
		return -errno;
	}
	r.userspace_addr = (uint64_t)(uintptr_t)d->mem;
	d->bus =
	    (struct guest_bus){d,      bench_direct_read, bench_direct_write, bench_direct_wait_irq,
			       d->mem, BENCH_DIRECT_GPA,  BENCH_DIRECT_SIZE};
	rc = window_alloc_init(&d->wa, d->mem, BENCH_DIRECT_GPA, BENCH_DIRECT_SIZE);
	for (unsigned int i = 0; !rc && i < 2; i++) {
		rc = vq_drv_init(&d->vq[i], (uint16_t)i, BENCH_DIRECT_QSIZE, &d->wa);
		d->vq_ready[i] = !rc;
	}
	rc = rc ? rc : vhost_user_connect(&d->vu, sock, 5000);
	rc = rc ? rc : vhost_user_handshake(&d->vu);
	if (rc)
		return rc;
	/* What the emulated path negotiates: VERSION_1 only (no EVENT_IDX, no INDIRECT). */
	feat = (1ULL << VIRTIO_F_VERSION_1) |
	       (d->vu.features & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES));
	rc = vhost_user_set_features(&d->vu, feat);
	rc = rc ? rc : vhost_user_set_mem_table(&d->vu, &r, &d->memfd, 1);
	rc = rc ? rc : bench_direct_ring(d, 0);
	rc = rc ? rc : bench_direct_ring(d, 1);
	if (rc)
		return rc;
	d->dev = (struct virtio_mmio_drv){.bus = &d->bus,
					  .version = 2,
					  .device_id = VIRTIO_MMIO_DRV_FS_ID,
					  .drv_features = 1ULL << VIRTIO_F_VERSION_1};
	fuse_client_setup(&d->fc, &d->dev, &d->vq[0], &d->vq[1], &d->wa, wait, 10000);
	return fuse_client_handshake(&d->fc);
}

int bench_direct_start(struct bench_direct **out, const char *share, const char *rundir,
		       enum fe_wait_policy wait)
{
	struct bench_direct *d = calloc(1, sizeof(*d));
	char sock[4200];
	int rc;

	*out = NULL;
	if (!d)
		return -ENOMEM;
	d->vu.fd = -1;
	d->memfd = memfd_create("bench-direct", MFD_CLOEXEC);
	d->kick[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->kick[1] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->memfd < 0 || d->kick[0] < 0 || d->kick[1] < 0 || d->call < 0 ||
	    ftruncate(d->memfd, BENCH_DIRECT_SIZE) < 0) {
		rc = -errno;
		goto fail;
	}
	rc = bench_direct_spawn(d, share, rundir, sock, sizeof(sock));
	rc = rc ? rc : bench_direct_setup(d, sock, wait);
	if (rc)
		goto fail;
	*out = d;
	return 0;
fail:
	log_err("bench: direct vhost-user path to virtiofsd failed: %s", strerror(-rc));
	bench_direct_stop(d);
	return rc;
}

struct fuse_client *bench_direct_client(struct bench_direct *d)
{
	return &d->fc;
}

void bench_direct_counts(const struct bench_direct *d, struct bench_counts *c)
{
	c->traps = 0; /* nothing here is trapped: there is no fakebao on this path */
	c->kicks = d->kicks;
	c->irqs = d->irqs;
	c->bus = d->bus_accesses;
}

void bench_direct_stop(struct bench_direct *d)
{
	if (!d)
		return;
	if (d->fc.initialized && !d->vq[1].broken) {
		d->fc.timeout_ms = 2000; /* bounded: a dead virtiofsd must not hold us up */
		fuse_ops_destroy(&d->fc);
	}
	if (d->fc.dev)
		fuse_client_fail_all(&d->fc, -EIO);
	vhost_user_close(&d->vu);
	if (d->vfsd > 0)
		proc_stop(d->vfsd, SIGTERM, 1000);
	for (int i = 0; i < 2; i++)
		if (d->vq_ready[i])
			vq_drv_destroy(&d->vq[i]);
	if (d->mem)
		munmap(d->mem, BENCH_DIRECT_SIZE);
	for (int i = 0; i < 2; i++)
		if (d->kick[i] > 0)
			close(d->kick[i]);
	if (d->call > 0)
		close(d->call);
	if (d->memfd > 0)
		close(d->memfd);
	free(d);
}
