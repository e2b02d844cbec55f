/* bench_direct.h - the "direct" baseline: the frontend's own fuse_client over vhost-user
 * straight to virtiofsd, rings in a memfd, no Bao emulation. The guest_bus answers QueueNotify
 * by writing the queue's kick eventfd and waits for interrupts by polling the call eventfd;
 * nothing is trapped. */
#ifndef HARNESS_BENCH_DIRECT_H
#define HARNESS_BENCH_DIRECT_H

#include "bench.h"

/* Start virtiofsd on share (cache=none, like the stack), hand it the memfd and rings, FUSE_INIT.
 * rundir holds the socket and virtiofsd's log. 0 or -errno (message logged). */
int bench_direct_start(struct bench_direct **out, const char *share, const char *rundir,
		       enum fe_wait_policy wait);
struct fuse_client *bench_direct_client(struct bench_direct *d);
void bench_direct_counts(const struct bench_direct *d, struct bench_counts *c);
/* DESTROY, close the socket, stop virtiofsd (bounded), free. NULL is fine. */
void bench_direct_stop(struct bench_direct *d);

#endif
