/* scripted_fe_priv.h - the scripted frontend's state, shared by scripted_fe.c (lifecycle)
 * and fuse_vfs.c / fuse_walk.c (the vfs over it). Not for other components. */
#ifndef HARNESS_SCRIPTED_FE_PRIV_H
#define HARNESS_SCRIPTED_FE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "fuse_client.h"
#include "scripted_fe.h"
#include "virtio_mmio_drv.h"
#include "vq_drv.h"
#include "window_alloc.h"

#define SCRIPTED_FE_MAX_HANDLES 256u

/* An open vfs handle: the node (we keep its lookup reference while open) and FUSE's fh. */
struct scripted_fe_handle {
	bool used, dir;
	uint64_t nodeid, fh;
	uint32_t flags;
};

struct scripted_fe {
	struct guest_bus bus;
	struct scripted_fe_opts opts;
	struct window_alloc wa;
	struct virtio_mmio_drv dev;
	struct vq_drv vq[2]; /* 0 hiprio, 1 the first request queue */
	bool vq_ready[2];
	struct fuse_client fc;
	struct scripted_fe_stats stats;
	struct scripted_fe_handle handle[SCRIPTED_FE_MAX_HANDLES];
};

#endif
