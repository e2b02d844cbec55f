/* replay_cli.c - `baoharness replay TRACE`: a `run --record` trace sent again, request by
 * request and byte for byte, through a fresh stack (fakebao, the device model, a fresh virtiofsd;
 * the scripted frontend only as the transport, fuse_client_raw) with its host steps redone in
 * order, each reply compared with the recorded one. Host-dependent fields are mapped, not
 * compared: node ids and file handles (learnt from the replies that create them, rewritten in
 * later requests), inode numbers, generations, times; READDIR by names and types; STATFS by its
 * error only. Reports the first divergence (which record, which request, which byte) or
 * `replayed N requests, identical`. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fuse.h>

#include "fuse_client.h"
#include "fuse_map.h"
#include "fuse_msg.h"
#include "fuse_trace.h"
#include "log.h"
#include "replay_cli.h"
#include "run.h"
#include "scn.h"
#include "stack.h"
#include "trace_cli.h"

#define REPLAY_REPLY_CAP ((1u << 20) + 4096u)

struct replay {
	struct stack s;
	struct fuse_client *fc;
	struct fuse_map map;
	uint8_t *live;
	size_t requests, host_steps;
	long flip;	   /* test only: BAOHARNESS_REPLAY_FLIP=N flips the last byte of reply N */
	uint32_t break_op; /* test only: BAOHARNESS_REPLAY_BREAK=OPCODE: every reply to it */
	uint32_t div_op;   /* the diverging request's opcode */
	char why[768];
	char where[160]; /* the diverging request, when a reply differs */
};

uint32_t replay_cli_break_op(void)
{
	const char *b = getenv("BAOHARNESS_REPLAY_BREAK");

	for (uint32_t op = 1; b && op < 64; op++)
		if (!strcmp(fuse_msg_op_name(op), b))
			return op;
	return 0;
}

int replay_cli_host(struct stack *s, const struct fuse_trace_rec *t, size_t index, char *why,
		    size_t whylen)
{
	struct scn_step st;
	char err[256], line[4096];
	int rc;

	snprintf(line, sizeof(line), "%.*s", (int)t->req_len, (const char *)t->req);
	rc =
	    scn_parse_step("trace", (unsigned int)index, line, strlen(line), &st, err, sizeof(err));
	if (rc) {
		snprintf(why, whylen, "record %zu: host step does not parse: %s", index, err);
		return -EINVAL;
	}
	rc = stack_host_step(s, &st, 10000, err, sizeof(err));
	if (rc)
		snprintf(why, whylen, "record %zu: host step `%s` failed: %s", index, line, err);
	scn_parse_step_free(&st);
	return rc ? -EIO : 0;
}

static int replay_one(void *arg, const struct fuse_trace_rec *t, size_t index)
{
	struct replay *r = arg;
	struct fuse_in_header h = {0};
	size_t len = (size_t)t->req_len + t->data_len, got = 0;
	uint8_t *req;
	int rc;

	if (t->kind == FUSE_TRACE_KIND_HOST) {
		r->host_steps++;
		return replay_cli_host(&r->s, t, index, r->why, sizeof(r->why));
	}
	if (t->kind != FUSE_TRACE_KIND_FUSE)
		return 0; /* the hypervisor's records: `replay` without --fuse replays those */
	req = malloc(len ? len : 1);
	if (!req)
		return -ENOMEM;
	memcpy(req, t->req, t->req_len);
	if (t->data_len)
		memcpy(req + t->req_len, t->data, t->data_len);
	if (len >= sizeof(h))
		memcpy(&h, req, sizeof(h));
	fuse_map_rewrite(&r->map, req, len);
	r->requests++;
	/* FORGET has no reply: the hiprio queue, as the client sent it. */
	/* The recorded writable buffer: a server sizes a READ's reply by it. */
	rc = fuse_client_raw(
	    r->fc, t->reply_cap || h.opcode != FUSE_FORGET ? 1 : 0, req, len, r->live,
	    t->reply_cap < REPLAY_REPLY_CAP ? t->reply_cap : REPLAY_REPLY_CAP, &got);
	free(req);
	if (rc) {
		snprintf(r->why, sizeof(r->why), "transport error %s", strerror(-rc));
	} else {
		if (((long)r->requests == r->flip || (r->break_op && h.opcode == r->break_op)) &&
		    got)
			r->live[got - 1] ^= 0x01; /* the test's broken device model */
		rc = fuse_map_compare(&r->map, h.opcode, t->reply, t->reply_len, r->live, got);
		if (rc)
			snprintf(r->why, sizeof(r->why), "%s", r->map.why);
	}
	if (rc) {
		r->div_op = h.opcode;
		snprintf(r->where, sizeof(r->where),
			 "record %zu (request %zu: %s unique %" PRIu64 " nodeid %" PRIu64 ")",
			 index, r->requests, fuse_msg_op_name(h.opcode), (uint64_t)h.unique,
			 (uint64_t)h.nodeid);
		return -EPROTO;
	}
	return 0;
}

int replay_cli_fuse(const uint8_t *buf, size_t len, const struct stack_opts *so, long flip,
		    struct replay_cli_result *out)
{
	static struct replay r;
	char why[256];
	long n;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(out, 0, sizeof(*out));
	r.flip = flip;
	r.break_op = replay_cli_break_op();
	rc = stack_start(&r.s, so);
	if (rc) {
		snprintf(out->why, sizeof(out->why), "the replay's stack did not start: %s",
			 r.s.start_why[0] ? r.s.start_why : strerror(-rc));
		return rc == STACK_ENV_MISSING ? RUN_EXIT_ENV : RUN_EXIT_FAIL;
	}
	r.fc = scripted_fe_client(r.s.fe);
	r.live = malloc(REPLAY_REPLY_CAP);
	n = r.live ? fuse_trace_parse(buf, len, replay_one, &r, why, sizeof(why)) : -ENOMEM;
	stack_stop(&r.s);
	free(r.live);
	out->requests = r.requests;
	out->host_steps = r.host_steps;
	out->nodes = r.map.nodes.n;
	out->fhs = r.map.fhs.n;
	out->opcode = r.div_op;
	snprintf(out->where, sizeof(out->where), "%s", r.where);
	snprintf(out->why, sizeof(out->why), "%s",
		 r.why[0] ? r.why
		 : n < 0  ? strerror((int)-n)
			  : "");
	return n < 0 ? RUN_EXIT_FAIL : RUN_EXIT_PASS;
}

int replay_cli_main(int argc, char **argv)
{
	struct replay_cli_result res;
	struct stack_opts so = {.step_timeout_ms = 10000, .wait = FE_WAIT_ADAPTIVE};
	const char *path = NULL, *flip = getenv("BAOHARNESS_REPLAY_FLIP");
	uint8_t *buf = NULL;
	size_t len = 0;
	char why[256];
	long n, flipn;
	int rc, fuse = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--virtiofsd") && i + 1 < argc)
			so.virtiofsd = argv[++i];
		else if (!strcmp(argv[i], "--fuse"))
			fuse = 1;
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			path = NULL, i = argc;
	}
	if (!path || argc > 5) {
		fprintf(stderr,
			"usage: baoharness replay [--virtiofsd c|rust|PATH] [--fuse] TRACE   "
			"(a `run --record TRACE` trace)\n");
		return RUN_EXIT_USAGE;
	}
	flipn = flip ? strtol(flip, NULL, 10) : 0;
	rc = trace_cli_read(path, &buf, &len);
	n = rc ? rc : fuse_trace_parse(buf, len, NULL, NULL, why, sizeof(why));
	if (n < 0) {
		fprintf(stderr, "baoharness replay: %s: %s\n", path, rc ? strerror(-rc) : why);
		free(buf);
		return RUN_EXIT_FAIL;
	}
	if (log_get_level() > LOG_ERROR)
		log_set_level(LOG_ERROR);
	/* The hypervisor's records, with no frontend, unless asked for the FUSE pairs (or the
	 * trace has none: version 1, or recorded before them). */
	if (!fuse && replay_mmio_has_stack(buf, len)) {
		rc = replay_mmio_run(buf, len, so.virtiofsd, flipn);
		free(buf);
		return rc;
	}
	rc = replay_cli_fuse(buf, len, &so, flipn, &res);
	free(buf);
	if (rc == RUN_EXIT_ENV)
		fprintf(stderr, "baoharness replay: %s: run `baoharness doctor`\n", res.why);
	else if (rc)
		printf("replay: first divergence at %s%s%s\n", res.where, res.where[0] ? ": " : "",
		       res.why);
	else
		printf("replayed %zu requests, identical (%zu host steps redone; node ids and file "
		       "handles mapped: %zu, %zu)\n",
		       res.requests, res.host_steps, res.nodes, res.fhs);
	return rc;
}
