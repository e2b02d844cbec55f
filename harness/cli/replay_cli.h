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

/* What a FUSE-level replay found. */
struct replay_cli_result {
	size_t requests, host_steps, nodes, fhs;
	uint32_t opcode; /* the diverging request's (0: none, or not a reply difference) */
	char where[160], why[768];
};
struct stack_opts;
/* The FUSE pairs and host steps of a parsed trace (buf, len) through a fresh stack started with
 * so (scripted frontend as the transport): RUN_EXIT_PASS identical, RUN_EXIT_FAIL diverged (out
 * says where and why), RUN_EXIT_ENV. flip: as replay_mmio_run. */
int replay_cli_fuse(const uint8_t *buf, size_t len, const struct stack_opts *so, long flip,
		    struct replay_cli_result *out);
/* Test only: BAOHARNESS_REPLAY_BREAK=OPCODE (a name, e.g. READ) - every reply to it has its
 * last byte flipped before it is compared (a device model broken for one operation); 0: unset. */
uint32_t replay_cli_break_op(void);
/* A recorded host step (record index) redone on s: 0, or -errno with why. */
int replay_cli_host(struct stack *s, const struct fuse_trace_rec *t, size_t index, char *why,
		    size_t whylen);

/* replay_mmio.c: a version-2 trace's stacks, each a fresh fakebao, device model and virtiofsd
 * (virtiofsd: --virtiofsd or NULL) driven with no frontend: the trapped accesses in order, each
 * kick's chains written back into the window first, each used element and the bytes written
 * compared (fuse_map.h), register reads compared. Prints the first divergence or `replayed N
 * requests, identical`; returns RUN_EXIT_*. flip > 0 (a test's broken device model): the
 * last byte of the reply to request number flip is flipped before it is compared. */
int replay_mmio_run(const uint8_t *buf, size_t len, const char *virtiofsd, long flip);
/* Whether a parsed trace holds the hypervisor's records (a STACK record). */
int replay_mmio_has_stack(const uint8_t *buf, size_t len);

#endif
