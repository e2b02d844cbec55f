/* fuse_client.h - FUSE transport over virtio-fs queues: requests in window buffers as
 * descriptor chains (header+args readable, optional data readable, reply writable), bounded
 * waits (spin, block on the interrupt, or adaptive), sync calls, raw calls and async
 * submit/complete for queue depths above 1. FORGETs go to the hiprio queue as Linux does. */
#ifndef HARNESS_FUSE_CLIENT_H
#define HARNESS_FUSE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuse_msg.h"
#include "fuse_trace.h"
#include "scripted_fe.h"
#include "virtio_mmio_drv.h"
#include "vq_drv.h"
#include "window_alloc.h"

#define FUSE_CLIENT_MINOR 36u /* virtiofsd 7.2 speaks 7.36; Debian's headers are newer */
/* The INIT flags this client asks for; a server's reply is trusted for these only. */
#define FUSE_CLIENT_INIT_FLAGS                                                                     \
	(FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES)
#define FUSE_CLIENT_DEFAULT_TIMEOUT_MS 30000
#define FUSE_CLIENT_SPIN_NS 50000     /* adaptive waits poll the used ring this long first */
#define FUSE_CLIENT_IO_MAX (1u << 20) /* READ/WRITE chunk cap before INIT's max_write */
/* A blocked wait wakes at least this often to re-check the used ring itself: an interrupt
 * may be lost or late (a real driver's timer does the same). */
#define FUSE_CLIENT_BLOCK_SLICE_MS 100
/* After this long with no completion, each wake-up also reads Status: a device that needs a
 * reset, or is unreachable, fails the requests with -EIO even if its interrupt never came. */
#define FUSE_CLIENT_HEARTBEAT_MS 400

struct fuse_client;

/* One request in flight. For fuse_client_submit the caller fills the buffer fields (window
 * addresses; len 0 = absent; the in buffer must start with a fuse_in_header) and keeps the
 * struct and its buffers alive until it completes - even after a timeout. */
struct fuse_client_req {
	uint64_t in_gpa, data_gpa, out_gpa;
	uint32_t in_len, data_len, out_len;
	uint16_t queue; /* 0 hiprio, 1 request queue */
	void *user;
	/* set by the client */
	uint64_t unique; /* from the in header */
	uint32_t opcode;
	bool done;
	unsigned int completions; /* times finished: exactly 1 once done (checked by fault tests) */
	int status;		  /* 0 when the device returned it, -EIO when failed by a reset */
	uint32_t used_len;	  /* bytes the device wrote */
	/* private */
	bool async, abandoned;
	void (*release)(struct fuse_client *fc, struct fuse_client_req *r);
	struct fuse_client_req *next_done;
};

struct fuse_client {
	struct virtio_mmio_drv *dev;
	struct vq_drv *vq[2]; /* hiprio, request */
	struct window_alloc *wa;
	enum fe_wait_policy wait;
	int timeout_ms;
	int64_t deadline_ns; /* absolute CLOCK_MONOTONIC, 0 = per-request timeout_ms */
	uint64_t next_unique;
	uint32_t minor, max_write, io_max; /* minor: the negotiated one, min(ours, server's) */
	uint32_t init_flags;		   /* the server's INIT flags this client may rely on */
	bool initialized;
	uint64_t *op_stats;			       /* [64] by opcode, may be NULL */
	uint64_t *irqs;				       /* may be NULL */
	struct fuse_client_req *done_head, *done_tail; /* completed async requests */
	/* `run --record`: each sync call's request and reply (fuse_trace.h); NULL: off. */
	void (*record)(void *arg, const struct fuse_trace_rec *r);
	void *record_arg;
	/* Called before each used element is taken, so the hypervisor's recorder (`run
	 * --record`, stack_trace.h) sees it and the bytes written while they are intact - as a
	 * real guest's interrupt lets it; this driver polls. NULL: none. */
	void (*reaping)(void *arg);
	void *reaping_arg;
};

/* Bind a client to an initialised device and its two queues. Never fails. */
void fuse_client_setup(struct fuse_client *fc, struct virtio_mmio_drv *dev, struct vq_drv *hiprio,
		       struct vq_drv *req, struct window_alloc *wa, enum fe_wait_policy wait,
		       int timeout_ms);
/* A fresh unique for a request header (even, never 0: bit 0 is FUSE's interrupt bit). */
uint64_t fuse_client_unique(struct fuse_client *fc);
/* Post r (see struct) and notify. 0, -ENOSPC (queue full), -EIO (broken), -EINVAL. */
int fuse_client_submit(struct fuse_client *fc, struct fuse_client_req *r);
/* Wait for r to complete; 0 (then r->status), -ETIMEDOUT or -EIO. */
int fuse_client_wait(struct fuse_client *fc, struct fuse_client_req *r);
/* Async: like submit, but the completion is queued for fuse_client_complete. */
int fuse_client_submit_async(struct fuse_client *fc, struct fuse_client_req *r);
/* Wait for any async request to complete: 0 and *out, -ETIMEDOUT, -EIO. */
int fuse_client_complete(struct fuse_client *fc, struct fuse_client_req **out);
/* Take completions from both queues without blocking: count, or -EIO when broken. */
int fuse_client_poll(struct fuse_client *fc);
/* Sync call: encode m (unique assigned here) with optional WRITE payload wdata in its own
 * descriptor, wait, validate the reply and copy its body to reply[0..reply_cap). Returns the
 * FUSE result (0 or -errno from the reply), or -ETIMEDOUT / -EIO / -EPROTO (malformed reply,
 * logged) / -ENOMEM. A no-reply opcode (FORGET) is posted to hiprio and not waited for. */
int fuse_client_call(struct fuse_client *fc, struct fuse_msg_req *m, const void *wdata,
		     size_t wdata_len, void *reply, size_t reply_cap, size_t *reply_len);
/* Raw call for fuzzers and benchmarks: post req bytes as one readable descriptor (queue 0 or
 * 1) with a reply_cap-byte writable one (none when reply_cap is 0), wait, and copy back the
 * used bytes unvalidated. 0 with *reply_len = used length, or a transport error. */
int fuse_client_raw(struct fuse_client *fc, uint16_t queue, const void *req, size_t req_len,
		    void *reply, size_t reply_cap, size_t *reply_len);
/* Check and apply a FUSE_INIT reply body of len bytes: any 7.x from 7.12 up (a newer server
 * speaks our minor, an older one its own), another major refused with a message; len must be
 * at least fuse_init_out's size for the minor spoken (24 bytes before 7.23, then 64; a longer
 * reply's tail past the struct is not read). Sets minor,
 * init_flags (the flags asked for, each from the minor that has it), max_write, io_max; 0 or
 * -EPROTO. Pure but for the log line. */
struct fuse_init_out;
int fuse_client_init_reply(struct fuse_client *fc, const struct fuse_init_out *out, size_t len);
/* FUSE_INIT (minor 36, 64-byte fuse_init_in): 0 or -errno; sets minor, max_write, io_max. */
int fuse_client_handshake(struct fuse_client *fc);
/* Fail every in-flight request with err and free what the client owns (device reset). */
void fuse_client_fail_all(struct fuse_client *fc, int err);

#endif
