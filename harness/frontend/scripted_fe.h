/* scripted_fe.h - the scripted C frontend: a virtio-mmio driver for the virtio-fs device and
 * a FUSE client on its request queue, exposed as a vfs so scenario steps run over it. */
#ifndef HARNESS_SCRIPTED_FE_H
#define HARNESS_SCRIPTED_FE_H

#include <stdint.h>

#include "guest_bus.h"
#include "vfs.h"

enum fe_wait_policy { FE_WAIT_ADAPTIVE, FE_WAIT_BLOCK, FE_WAIT_POLL };

struct scripted_fe_opts {
	uint64_t mmio_base; /* device registers, e.g. 0xa003e00 */
	const char *tag;    /* expected config-space tag, NULL = accept any */
	enum fe_wait_policy wait;
	unsigned int queue_size; /* 0 = the device's QueueNumMax */
	int request_timeout_ms;	 /* bound on any single wait when no deadline is set */
	/* `run --record`: the hypervisor's recorder looks before each used element is taken
	 * (struct fuse_client's reaping), from the mount's FUSE_INIT on; NULL: none. */
	void (*reaping)(void *arg);
	void *reaping_arg;
};

struct scripted_fe_stats {
	uint64_t fuse_requests[64]; /* by FUSE opcode (index = opcode, clamped) */
	uint64_t irqs_seen;
};

struct scripted_fe;
struct fuse_client;

/* Probe the device (Linux virtio_mmio's register sequence), negotiate features, set up the
 * queues, DRIVER_OK, then FUSE_INIT. Returns 0 or -errno with a message logged. */
int scripted_fe_open(const struct guest_bus *bus, const struct scripted_fe_opts *opts,
		     struct scripted_fe **out);
/* `remount`: FUSE_DESTROY then a fresh FUSE_INIT, no device reset. */
int scripted_fe_remount(struct scripted_fe *fe);
/* Absolute CLOCK_MONOTONIC deadline in ns for every wait until changed; 0 = none. A wait
 * past it fails the request with -ETIMEDOUT. */
void scripted_fe_set_deadline(struct scripted_fe *fe, int64_t deadline_ns);
const struct scripted_fe_stats *scripted_fe_stats(const struct scripted_fe *fe);
/* FUSE_DESTROY, device reset, free. Safe on a half-open or broken device. */
void scripted_fe_close(struct scripted_fe *fe);

/* After the device asked for a reset (requests then fail with -EIO): reset, set the queues
 * up again, DRIVER_OK, FUSE_INIT. Open handles are dropped. 0 or -errno. */
int scripted_fe_reinit(struct scripted_fe *fe);
/* Fault injection (scripted_fe_fault.c): requests kept in flight across a fault. Post n
 * GETATTR requests without waiting for them; then the caller injects the fault (kills the
 * backend, resets the device, ...); then finish waits up to timeout_ms for each to end and
 * checks it ended exactly once: completed by the device, or failed (-EIO). */
struct scripted_fe_inflight;
struct scripted_fe_inflight_report {
	unsigned int posted, completed, failed;
	unsigned int bad;     /* finished twice (or more): a bug */
	unsigned int pending; /* still in flight at the timeout (left to the device, then freed) */
};
int scripted_fe_fault_inflight_post(struct scripted_fe *fe, unsigned int n,
				    struct scripted_fe_inflight **out);
/* Always consumes inf. 0, or -ETIMEDOUT when some were still pending, -EPROTO when bad. */
int scripted_fe_fault_inflight_finish(struct scripted_fe *fe, struct scripted_fe_inflight *inf,
				      int timeout_ms, struct scripted_fe_inflight_report *rep);
/* The FUSE client, for raw and async requests (benchmarks, fuzzers). Owned by fe. */
struct fuse_client *scripted_fe_client(struct scripted_fe *fe);
/* The config-space tag read at open (NUL-terminated). */
const char *scripted_fe_tag(const struct scripted_fe *fe);

extern const struct vfs_ops fuse_vfs_ops; /* ctx = struct scripted_fe * */

#endif
