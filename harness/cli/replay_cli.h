/* replay_cli.h - `baoharness replay TRACE`: a recorded trace driven through a fresh backend,
 * replies compared with host-dependent fields mapped: from the hypervisor's records with no
 * frontend (replay_mmio.c), or - version-1 traces, `--fuse` - the FUSE pairs through the
 * scripted frontend (replay_cli.c). */
#ifndef HARNESS_REPLAY_CLI_H
#define HARNESS_REPLAY_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "fuse_trace.h"

struct stack;

int replay_cli_main(int argc, char **argv);
/* A recorded host step (record index) redone on s: 0, or -errno with why. */
int replay_cli_host(struct stack *s, const struct fuse_trace_rec *t, size_t index, char *why,
		    size_t whylen);

/* replay_mmio.c: a version-2 trace's stacks, each a fresh fakebao, device model and virtiofsd
 * (virtiofsd: --virtiofsd or NULL) driven with no frontend: the trapped accesses in order, each
 * kick's chains written back into the window first, each used element and the bytes written
 * compared (fuse_map.h), register reads compared. Prints the first divergence or `replayed N
 * requests, identical`; returns RUN_EXIT_*. flip > 0 (a test's broken device model): the
 * last byte of the flip-th reply is flipped before it is compared. */
int replay_mmio_run(const uint8_t *buf, size_t len, const char *virtiofsd, long flip);
/* Whether a parsed trace holds the hypervisor's records (a STACK record). */
int replay_mmio_has_stack(const uint8_t *buf, size_t len);

#endif
