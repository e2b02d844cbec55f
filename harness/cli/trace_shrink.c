/* trace_shrink.c - `baoharness trace shrink TRACE`: a trace whose replay diverges made as small
 * as it goes while the divergence stays the same (oracle message: the diverging request's
 * opcode and what differed, numbers taken out). Its units are the FUSE requests with their
 * recorded replies and the host steps - the FUSE pairs of a scripted run, or for a trace with
 * none (the QEMU guest's) each kick's chain paired with its used element. Delta debugging over
 * units first (fuzz_sem_shrink's ddmin), then over bytes (fuzz_shrink_halve); each test is a
 * FUSE-level replay on a fresh stack. The result is saved as a trace with its replay command. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/fuse.h>

#include "fuse_msg.h"
#include "fuse_trace.h"
#include "fuzz_sem.h"
#include "fuzz_shrink.h"
#include "log.h"
#include "replay_cli.h"
#include "run.h"
#include "stack.h"
#include "trace_cli.h"

#define TRACE_SHRINK_BUDGET 300 /* tests (each a fresh stack) */
#define TRACE_SHRINK_UNITS 100000

struct trace_shrink_unit {
	uint32_t kind; /* FUSE_TRACE_KIND_FUSE or _HOST */
	uint8_t *req, *reply;
	uint32_t req_len, reply_len, reply_cap;
	uint16_t queue, head; /* derived from a kick: where its used element is awaited */
	int awaiting;
};

struct trace_shrink {
	struct trace_shrink_unit *u;
	size_t n, cap;
	int have_fuse; /* the trace has FUSE pairs: kicks are not units then */
	struct stack_opts so;
	unsigned char *keep;
	const char *want;
	const char *path; /* the trace shrunk */
	unsigned int tests;
	int env_missing;
	/* a kick's chain being gathered */
	uint8_t *chain;
	size_t chain_len;
	uint32_t chain_head, chain_cap;
	int in_chain;
	uint16_t kick_queue;
};

static struct trace_shrink_unit *trace_shrink_add(struct trace_shrink *z)
{
	if (z->n == z->cap) {
		size_t cap = z->cap ? z->cap * 2 : 64;
		struct trace_shrink_unit *nu;

		if (cap > TRACE_SHRINK_UNITS || !(nu = realloc(z->u, cap * sizeof(*nu))))
			return NULL;
		z->u = nu;
		z->cap = cap;
	}
	memset(&z->u[z->n], 0, sizeof(z->u[0]));
	return &z->u[z->n++];
}

static uint8_t *trace_shrink_dup(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	uint8_t *p = malloc(alen + blen + 1);

	if (p) {
		if (alen)
			memcpy(p, a, alen);
		if (blen)
			memcpy(p + alen, b, blen);
	}
	return p;
}

static int trace_shrink_has_fuse(void *arg, const struct fuse_trace_rec *r, size_t index)
{
	(void)arg;
	(void)index;
	return r->kind == FUSE_TRACE_KIND_FUSE;
}

/* A kick's chain done: one unit, its reply awaited from the USED of (queue, head). */
static int trace_shrink_chain_done(struct trace_shrink *z)
{
	struct trace_shrink_unit *u;

	if (!z->in_chain)
		return 0;
	z->in_chain = 0;
	u = trace_shrink_add(z);
	if (!u)
		return -ENOMEM;
	u->kind = FUSE_TRACE_KIND_FUSE;
	u->req = z->chain;
	u->req_len = (uint32_t)z->chain_len;
	u->reply_cap = z->chain_cap;
	u->queue = z->kick_queue;
	u->head = (uint16_t)z->chain_head;
	u->awaiting = 1;
	z->chain = NULL;
	z->chain_len = 0;
	return 0;
}

static int trace_shrink_kick_region(void *arg, const struct fuse_trace_region *g, size_t index)
{
	struct trace_shrink *z = arg;
	uint8_t *nb;

	(void)index;
	if (g->type == FUSE_TRACE_REG_HEAD) {
		int rc = trace_shrink_chain_done(z);

		z->in_chain = 1;
		z->chain_head = (uint32_t)g->gpa;
		z->chain_cap = 0;
		return rc;
	}
	if (!z->in_chain)
		return 0;
	if (g->type == FUSE_TRACE_REG_WRITABLE) {
		z->chain_cap += g->len;
	} else if (g->type == FUSE_TRACE_REG_READABLE) {
		nb = realloc(z->chain, z->chain_len + g->len + 1);
		if (!nb)
			return -ENOMEM;
		z->chain = nb;
		memcpy(z->chain + z->chain_len, g->bytes, g->len);
		z->chain_len += g->len;
	}
	return 0;
}

struct trace_shrink_used {
	uint8_t *buf;
	size_t len;
};

static int trace_shrink_used_region(void *arg, const struct fuse_trace_region *g, size_t index)
{
	struct trace_shrink_used *w = arg;
	uint8_t *nb = realloc(w->buf, w->len + g->len + 1);

	(void)index;
	if (!nb)
		return -ENOMEM;
	w->buf = nb;
	memcpy(w->buf + w->len, g->bytes, g->len);
	w->len += g->len;
	return 0;
}

static int trace_shrink_collect(void *arg, const struct fuse_trace_rec *r, size_t index)
{
	struct trace_shrink *z = arg;
	struct trace_shrink_unit *u;
	char why[160];

	(void)index;
	if (r->kind == FUSE_TRACE_KIND_HOST || (r->kind == FUSE_TRACE_KIND_FUSE && z->have_fuse)) {
		u = trace_shrink_add(z);
		if (!u)
			return -ENOMEM;
		u->kind = r->kind;
		u->req = trace_shrink_dup(r->req, r->req_len, r->data, r->data_len);
		u->req_len = r->req_len + r->data_len;
		u->reply = trace_shrink_dup(r->reply, r->reply_len, NULL, 0);
		u->reply_len = r->reply_len;
		u->reply_cap = r->reply_cap;
		return u->req && u->reply ? 0 : -ENOMEM;
	}
	if (z->have_fuse)
		return 0;
	if (r->kind == FUSE_TRACE_KIND_KICK) {
		struct fuse_trace_kick k;
		long n;

		fuse_trace_get_kick(r, &k);
		z->kick_queue = k.queue;
		n = fuse_trace_regions(r->data, r->data_len, trace_shrink_kick_region, z, why,
				       sizeof(why));
		return n < 0 ? (int)n : trace_shrink_chain_done(z);
	}
	if (r->kind == FUSE_TRACE_KIND_USED) {
		struct fuse_trace_used uu;
		struct trace_shrink_used w = {0};

		fuse_trace_get_used(r, &uu);
		for (size_t i = 0; i < z->n; i++) {
			u = &z->u[i];
			if (!u->awaiting || u->queue != uu.queue || u->head != uu.id)
				continue;
			if (fuse_trace_regions(r->data, r->data_len, trace_shrink_used_region, &w,
					       why, sizeof(why)) < 0) {
				free(w.buf);
				return -ENOMEM;
			}
			u->awaiting = 0;
			u->reply = w.buf ? w.buf : malloc(1);
			u->reply_len = (uint32_t)w.len;
			if (u->reply_cap < u->reply_len)
				u->reply_cap = u->reply_len;
			return u->reply ? 0 : -ENOMEM;
		}
	}
	return 0;
}

/* The kept units as a trace in memory: 0 or -errno. */
static int trace_shrink_write(const struct trace_shrink *z, const unsigned char *keep,
			      uint8_t **buf, size_t *len)
{
	char *mem = NULL;
	size_t memlen = 0;
	FILE *f = open_memstream(&mem, &memlen);
	int rc;

	if (!f)
		return -errno;
	rc = fuse_trace_write_header(f);
	for (size_t i = 0; i < z->n && !rc; i++) {
		const struct trace_shrink_unit *u = &z->u[i];

		if (keep && !keep[i])
			continue;
		rc = fuse_trace_write(f, &(struct fuse_trace_rec){u->kind, u->req, NULL, u->reply,
								  u->req_len, 0, u->reply_len,
								  u->reply_cap});
	}
	if (fclose(f) && !rc)
		rc = -EIO;
	*buf = (uint8_t *)mem;
	*len = memlen;
	return rc;
}

/* "OPCODE: what differed" with every number written N (a record index, a byte offset, a value
 * differ between a trace and its subset; what differed does not). */
static void trace_shrink_normalise(const struct replay_cli_result *res, char *out, size_t len)
{
	const char *in = res->why;
	size_t o = (size_t)snprintf(out, len, "%s: ", fuse_msg_op_name(res->opcode));

	for (; *in && o + 4 < len; in++) {
		if (in[0] == '0' && in[1] == 'x') {
			for (in += 2; in[1] && strchr("0123456789abcdefABCDEF", in[1]); in++)
				;
			memcpy(out + o, "0xN", 3);
			o += 3;
		} else if (*in >= '0' && *in <= '9') {
			while (in[1] >= '0' && in[1] <= '9')
				in++;
			out[o++] = 'N';
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

/* The kept units replayed: 1 and the oracle message in msg when they diverge, 0 identical,
 * -1 when no stack could start. */
static int trace_shrink_test(struct trace_shrink *z, const unsigned char *keep, char *msg,
			     size_t len)
{
	struct replay_cli_result res;
	uint8_t *buf = NULL;
	size_t blen = 0;
	int rc;

	z->tests++;
	msg[0] = '\0';
	rc = trace_shrink_write(z, keep, &buf, &blen);
	if (!rc)
		rc = replay_cli_fuse(buf, blen, &z->so, 0, &res);
	free(buf);
	if (rc == RUN_EXIT_ENV) {
		z->env_missing = 1;
		return -1;
	}
	if (rc != RUN_EXIT_FAIL)
		return 0;
	trace_shrink_normalise(&res, msg, len);
	return 1;
}

static int trace_shrink_fails(void *arg, const unsigned char *keep, size_t n)
{
	struct trace_shrink *z = arg;
	char msg[900];
	int r;

	(void)n;
	r = trace_shrink_test(z, keep, msg, sizeof(msg));
	return r < 0 ? -1 : r == 1 && !strcmp(msg, z->want);
}

static int trace_shrink_same(void *arg)
{
	struct trace_shrink *z = arg;

	if (z->tests >= TRACE_SHRINK_BUDGET + 100)
		return 0;
	return trace_shrink_fails(z, z->keep, z->n) == 1;
}

static void trace_shrink_free(struct trace_shrink *z)
{
	for (size_t i = 0; i < z->n; i++) {
		free(z->u[i].req);
		free(z->u[i].reply);
	}
	free(z->u);
	free(z->chain);
	free(z->keep);
}

static size_t trace_shrink_count(const struct trace_shrink *z, size_t *bytes)
{
	size_t n = 0;

	*bytes = 0;
	for (size_t i = 0; i < z->n; i++)
		if (z->keep[i]) {
			n++;
			*bytes += z->u[i].req_len;
		}
	return n;
}

/* Where the result goes: --out, else TRACE's name with .min.trace. */
static void trace_shrink_out(const char *path, const char *out, char *buf, size_t len)
{
	size_t l = strlen(path);

	if (out)
		snprintf(buf, len, "%s", out);
	else if (l > 6 && !strcmp(path + l - 6, ".trace"))
		snprintf(buf, len, "%.*s.min.trace", (int)(l - 6), path);
	else
		snprintf(buf, len, "%s.min.trace", path);
}

/* Beside the trace, OUT.txt: where it came from, its oracle and the command that replays it. */
static int trace_shrink_note(const char *out, const char *from, const char *want,
			     const char *virtiofsd, const char *cmd)
{
	char path[4200];
	const char *brk = getenv("BAOHARNESS_REPLAY_BREAK");
	FILE *f;

	snprintf(path, sizeof(path), "%s.txt", out);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"# baoharness trace shrink of %s%s%s\n# oracle: %s\n# replay (exit 1 and this "
		"divergence = reproduced):\n%s%s%s\n",
		from, virtiofsd ? " --virtiofsd " : "", virtiofsd ? virtiofsd : "", want,
		brk ? "BAOHARNESS_REPLAY_BREAK=" : "", brk ? brk : "", cmd);
	return fclose(f) ? -errno : 0;
}

static int trace_shrink_save(struct trace_shrink *z, const char *out, const char *virtiofsd)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char cmd[4300];
	FILE *f;
	int rc = trace_shrink_write(z, z->keep, &buf, &len);

	f = rc ? NULL : fopen(out, "wb");
	if (!rc && (!f || fwrite(buf, 1, len, f) != len))
		rc = errno ? -errno : -EIO;
	if (f && fclose(f) && !rc)
		rc = -EIO;
	free(buf);
	if (rc) {
		fprintf(stderr, "baoharness trace shrink: cannot write %s: %s\n", out,
			strerror(-rc));
		return rc;
	}
	snprintf(cmd, sizeof(cmd), "%sbaoharness replay --fuse%s%s %s",
		 getenv("BAOHARNESS_REPLAY_BREAK") ? " " : "", virtiofsd ? " --virtiofsd " : "",
		 virtiofsd ? virtiofsd : "", out);
	rc = trace_shrink_note(out, z->path, z->want, virtiofsd, cmd);
	if (rc) {
		fprintf(stderr, "baoharness trace shrink: cannot write %s.txt: %s\n", out,
			strerror(-rc));
		return rc;
	}
	printf("saved %s (and %s.txt); replay: baoharness replay --fuse%s%s %s\n", out, out,
	       virtiofsd ? " --virtiofsd " : "", virtiofsd ? virtiofsd : "", out);
	return 0;
}

int trace_shrink_main(int argc, char **argv)
{
	struct trace_shrink z = {.so = {.step_timeout_ms = 10000, .wait = FE_WAIT_ADAPTIVE}};
	const char *path = NULL, *out_arg = NULL;
	char want[900], again[900], out[4096], why[256];
	uint8_t *buf = NULL;
	size_t len = 0, n0, b0, n1, b1;
	long n;
	int rc, status = RUN_EXIT_FAIL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--virtiofsd") && i + 1 < argc)
			z.so.virtiofsd = argv[++i];
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out_arg = argv[++i];
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			path = NULL, i = argc;
	}
	if (!path) {
		fprintf(stderr, "usage: baoharness trace shrink [--virtiofsd c|rust|PATH] [--out "
				"FILE] TRACE   (a trace whose replay diverges)\n");
		return RUN_EXIT_USAGE;
	}
	rc = trace_cli_read(path, &buf, &len);
	n = rc ? rc : fuse_trace_parse(buf, len, NULL, NULL, why, sizeof(why));
	if (n < 0) {
		fprintf(stderr, "baoharness trace shrink: %s: %s\n", path,
			rc ? strerror(-rc) : why);
		free(buf);
		return RUN_EXIT_FAIL;
	}
	z.have_fuse =
	    fuse_trace_parse(buf, len, trace_shrink_has_fuse, NULL, why, sizeof(why)) == 1;
	n = fuse_trace_parse(buf, len, trace_shrink_collect, &z, why, sizeof(why));
	free(buf);
	if (log_get_level() > LOG_ERROR)
		log_set_level(LOG_ERROR);
	z.keep = n < 0 ? NULL : malloc(z.n ? z.n : 1);
	if (!z.keep) {
		fprintf(stderr, "baoharness trace shrink: %s: cannot hold its requests: %s\n", path,
			strerror(n < 0 ? (int)-n : ENOMEM));
		trace_shrink_free(&z);
		return RUN_EXIT_FAIL;
	}
	memset(z.keep, 1, z.n);
	n0 = trace_shrink_count(&z, &b0);
	rc = trace_shrink_test(&z, z.keep, want, sizeof(want));
	if (rc != 1) {
		fprintf(stderr, "baoharness trace shrink: %s: %s\n", path,
			rc < 0 ? "the replay's stack did not start: run `baoharness doctor`"
			       : "its replay does not diverge: nothing to shrink");
		trace_shrink_free(&z);
		return rc < 0 ? RUN_EXIT_ENV : RUN_EXIT_FAIL;
	}
	fprintf(stderr,
		"trace shrink: %s: %zu units (requests and host steps), %zu bytes; oracle "
		"\"%s\"\n",
		path, n0, b0, want);
	z.want = want;
	z.path = path;
	/* Over units: ddmin to 1-minimal; then each request's body halved. */
	fuzz_sem_shrink(z.n, z.keep, trace_shrink_fails, &z, TRACE_SHRINK_BUDGET);
	for (size_t i = 0; i < z.n && !z.env_missing; i++)
		if (z.keep[i] && z.u[i].kind == FUSE_TRACE_KIND_FUSE)
			fuzz_shrink_halve(z.u[i].req, &z.u[i].req_len, trace_shrink_same, &z);
	n1 = trace_shrink_count(&z, &b1);
	/* The result must still do it, once more, on its own. */
	if (trace_shrink_test(&z, z.keep, again, sizeof(again)) != 1 || strcmp(again, want)) {
		fprintf(stderr,
			"baoharness trace shrink: the shrunk trace no longer diverges the same way "
			"(\"%s\"): nothing saved\n",
			again);
		trace_shrink_free(&z);
		return z.env_missing ? RUN_EXIT_ENV : RUN_EXIT_FAIL;
	}
	printf("shrunk %s: %zu -> %zu units, %zu -> %zu bytes, %u tests; oracle \"%s\"\n", path, n0,
	       n1, b0, b1, z.tests, want);
	trace_shrink_out(path, out_arg, out, sizeof(out));
	if (!trace_shrink_save(&z, out, z.so.virtiofsd))
		status = RUN_EXIT_PASS;
	trace_shrink_free(&z);
	return status;
}
