/* fuzz_diff.c - `baoharness fuzz fuse-requests --differential`: the same well-formed request
 * sequence (one generator, one seed) through two whole stacks, each with its own virtiofsd
 * (C 7.2 and the Rust 1.13 by default) on its own empty share, and every pair of answers
 * compared (fuzz_diff_cmp.c). Node ids and file handles are each backend's own: the generator
 * learns the first backend's, and the second backend's request carries its own values in those
 * fields (mapped from the pairs of replies), so the two file systems see the same operations.
 * Only well-formed requests are sent: a malformed one kills the Rust virtiofsd by design
 * (results/backends.md), which says nothing about semantics. A difference that is not a
 * documented cause is a finding, deduplicated by opcode and kind, saved with the requests since
 * the stacks started; `--replay FILE` sends them to two fresh stacks and prints each verdict. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fuse_client.h"
#include "fuse_msg.h"
#include "fuse_map.h"
#include "fuzz_diff.h"
#include "fuzz_diff_cmp.h"
#include "fuzz_gen.h"
#include "fuzz_report.h"
#include "log.h"
#include "progress.h"
#include "stack.h"

#define FUZZ_DIFF_REPLY_CAP (128u * 1024u + 16u)
#define FUZZ_DIFF_TIMEOUT_NS (3LL * 1000000000LL)
#define FUZZ_DIFF_MAP 256
#define FUZZ_DIFF_HIST 64

struct fuzz_diff_map {
	uint64_t a[FUZZ_DIFF_MAP], b[FUZZ_DIFF_MAP];
	uint64_t owner[FUZZ_DIFF_MAP]; /* handles: the first backend's node it was opened on */
	uint8_t is_dir[FUZZ_DIFF_MAP]; /* handles: from OPENDIR */
	unsigned int n, next;
};

struct fuzz_diff {
	struct stack st[2];
	struct stack_opts so[2];
	int up;
	struct fuzz_gen g;
	struct fuzz_report rep;
	struct fuzz_diff_map nodes, fhs;
	struct fuzz_rec hist[FUZZ_DIFF_HIST];
	int hist_n;
	uint8_t *req[2], *reply[2];
	uint64_t compared, same, documented[8], findings_seen, deaths, unmapped;
	uint64_t differing;	/* compared and different (findings_seen also counts failures) */
	uint64_t per_op[64][2]; /* compared, differing (finding) */
	int64_t t0;
	struct progress prog;
};

static double fuzz_diff_elapsed(const struct fuzz_diff *d)
{
	return (double)(clock_now_ns() - d->t0) / 1e9;
}

static void fuzz_diff_map_add(struct fuzz_diff_map *m, uint64_t a, uint64_t b, uint64_t owner,
			      int is_dir)
{
	for (unsigned int i = 0; i < m->n; i++)
		if (m->a[i] == a) {
			m->b[i] = b;
			m->owner[i] = owner;
			m->is_dir[i] = (uint8_t)is_dir;
			return;
		}
	if (m->n < FUZZ_DIFF_MAP)
		m->n++;
	m->a[m->next] = a;
	m->b[m->next] = b;
	m->owner[m->next] = owner;
	m->is_dir[m->next] = (uint8_t)is_dir;
	m->next = (m->next + 1) % FUZZ_DIFF_MAP;
}

/* A request on an open handle goes to the node the handle was opened on, as the kernel sends
 * it: the Rust virtiofsd checks that pair (EBADF otherwise), the C one uses the handle alone, so
 * the generator's unrelated pairs would only measure that. -EBADF when the handle is of the
 * other kind (a directory's for a file operation or back): the C daemon keeps two handle
 * spaces, the Rust one one, and no kernel mixes them - not comparable. */
static int fuzz_diff_pair_handle(const struct fuzz_diff *d, uint8_t *buf, size_t len,
				 uint32_t opcode)
{
	size_t at = FUSE_MSG_IN_HDR;
	int dir_op = opcode == FUSE_READDIR || opcode == FUSE_READDIRPLUS ||
		     opcode == FUSE_RELEASEDIR || opcode == FUSE_FSYNCDIR;
	uint64_t fh;

	switch (opcode) {
	case FUSE_READ:
	case FUSE_WRITE:
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
	case FUSE_FLUSH:
	case FUSE_FSYNC:
	case FUSE_FSYNCDIR:
	case FUSE_READDIR:
	case FUSE_READDIRPLUS:
	case FUSE_LSEEK:
	case FUSE_FALLOCATE:
	case FUSE_COPY_FILE_RANGE:
		break;
	case FUSE_GETATTR:
	case FUSE_SETATTR:
		if (len < at + 16 || !(buf[at] & (opcode == FUSE_GETATTR ? 1 : 8)))
			return 0;
		at += 8;
		break;
	default:
		return 0;
	}
	if (len < at + 8)
		return 0;
	memcpy(&fh, buf + at, 8);
	for (unsigned int i = 0; i < d->fhs.n; i++)
		if (d->fhs.a[i] == fh) {
			if (d->fhs.is_dir[i] != dir_op)
				return -EBADF;
			memcpy(buf + 16, &d->fhs.owner[i], 8);
			return 0;
		}
	return 0;
}

/* Replace the value at buf+at by the second backend's; -ENOENT when the first backend never
 * handed it out (then the request is not comparable: the value may name something on one side
 * by accident). The root (node 1) is the same everywhere. */
static int fuzz_diff_map_field(const struct fuzz_diff_map *m, uint8_t *buf, size_t len, size_t at,
			       int is_node)
{
	uint64_t v;

	if (at + 8 > len)
		return 0;
	memcpy(&v, buf + at, 8);
	if (is_node && v == 1)
		return 0;
	for (unsigned int i = 0; i < m->n; i++)
		if (m->a[i] == v) {
			memcpy(buf + at, &m->b[i], 8);
			return 0;
		}
	return -ENOENT;
}

/* The second backend's copy of a request: its own node ids and handles in their fields.
 * -ENOENT when a field holds a value the first backend never handed out. */
static int fuzz_diff_map_request(const struct fuzz_diff *d, uint8_t *buf, size_t len,
				 uint32_t opcode)
{
	struct fuse_map_field f[FUSE_MAP_FIELDS];
	size_t n = fuse_map_fields(buf, len, f);
	int r = 0;

	(void)opcode; /* the header's: fuse_map_fields reads it */
	for (size_t i = 0; i < n; i++)
		r |= fuzz_diff_map_field(f[i].is_node ? &d->nodes : &d->fhs, buf, len, f[i].at,
					 f[i].is_node);
	return r ? -ENOENT : 0;
}

/* Both succeeded: pair the node ids and handles they handed out. */
static void fuzz_diff_learn(struct fuzz_diff *d, uint32_t opcode, uint64_t node,
			    const struct fuse_msg_reply *a, const struct fuse_msg_reply *b)
{
	const size_t eo = sizeof(struct fuse_entry_out);
	uint64_t va, vb;

	switch (opcode) {
	case FUSE_LOOKUP:
	case FUSE_MKNOD:
	case FUSE_MKDIR:
	case FUSE_SYMLINK:
	case FUSE_LINK:
	case FUSE_CREATE:
		if (a->body_len < eo || b->body_len < eo)
			return;
		memcpy(&va, a->body, 8);
		memcpy(&vb, b->body, 8);
		fuzz_diff_map_add(&d->nodes, va, vb, 0, 0);
		if (opcode == FUSE_CREATE && a->body_len >= eo + 8 && b->body_len >= eo + 8) {
			uint64_t created = va;

			memcpy(&va, a->body + eo, 8);
			memcpy(&vb, b->body + eo, 8);
			fuzz_diff_map_add(&d->fhs, va, vb, created, 0);
		}
		break;
	case FUSE_OPEN:
	case FUSE_OPENDIR:
		if (a->body_len < 8 || b->body_len < 8)
			return;
		memcpy(&va, a->body, 8);
		memcpy(&vb, b->body, 8);
		fuzz_diff_map_add(&d->fhs, va, vb, node, opcode == FUSE_OPENDIR);
		break;
	default:
		break;
	}
}

static void fuzz_diff_hist_clear(struct fuzz_diff *d)
{
	for (int i = 0; i < d->hist_n; i++)
		free(d->hist[i].buf);
	d->hist_n = 0;
}

static void fuzz_diff_hist_push(struct fuzz_diff *d, uint16_t queue, const uint8_t *buf, size_t len)
{
	struct fuzz_rec r = {queue, (uint32_t)len, malloc(len)};

	if (!r.buf)
		return;
	memcpy(r.buf, buf, len);
	if (d->hist_n == FUZZ_DIFF_HIST) {
		free(d->hist[0].buf);
		memmove(d->hist, d->hist + 1, sizeof(d->hist[0]) * (FUZZ_DIFF_HIST - 1));
		d->hist_n--;
	}
	d->hist[d->hist_n++] = r;
}

static void fuzz_diff_down(struct fuzz_diff *d)
{
	for (int i = 0; i < 2 && d->up; i++) {
		if (d->st[i].fe)
			scripted_fe_set_deadline(d->st[i].fe, clock_now_ns() + 1000000000LL);
		stack_stop(&d->st[i]);
	}
	d->up = 0;
}

static int fuzz_diff_up(struct fuzz_diff *d)
{
	int r = stack_start(&d->st[0], &d->so[0]);

	if (!r) {
		r = stack_start(&d->st[1], &d->so[1]);
		if (r)
			stack_stop(&d->st[0]);
	}
	if (r)
		return r;
	d->up = 1;
	fuzz_gen_reset_state(&d->g);
	memset(&d->nodes, 0, sizeof(d->nodes));
	memset(&d->fhs, 0, sizeof(d->fhs));
	fuzz_diff_hist_clear(d);
	return 0;
}

/* One request to one stack: the side as the comparison sees it, the decoded reply in *rep. */
static int fuzz_diff_send(struct fuzz_diff *d, int i, uint16_t queue, size_t len, uint32_t opcode,
			  uint64_t unique, struct fuzz_diff_cmp_side *side,
			  struct fuse_msg_reply *rep, char *why, size_t whylen)
{
	size_t used = 0;
	int r;

	memset(side, 0, sizeof(*side));
	memset(rep, 0, sizeof(*rep));
	scripted_fe_set_deadline(d->st[i].fe, clock_now_ns() + FUZZ_DIFF_TIMEOUT_NS);
	r = fuse_client_raw(scripted_fe_client(d->st[i].fe), queue, d->req[i], len, d->reply[i],
			    FUZZ_DIFF_REPLY_CAP, &used);
	if (r) {
		snprintf(why, whylen, "transport: %s", strerror(-r));
		return r;
	}
	if (used == 0)
		return 0;
	if (fuse_msg_decode_reply(d->reply[i], FUZZ_DIFF_REPLY_CAP, used, unique, opcode, 0, rep,
				  why, whylen))
		return -EPROTO;
	side->replied = 1;
	side->error = rep->error;
	side->body = rep->body;
	side->len = rep->body_len;
	return 0;
}

/* A signature without the numbers: "SETATTR-mode" from "mode 0100644 vs 0100755". */
static void fuzz_diff_sig(char *sig, size_t len, uint32_t opcode, const char *why)
{
	size_t n = (size_t)snprintf(sig, len, "diff-%s-", fuse_msg_op_name(opcode));

	for (const char *p = why; *p && n + 1 < len && !isdigit((unsigned char)*p); p++)
		sig[n++] = *p == ' ' || *p == '/' ? '_' : *p;
	while (n > 0 && (sig[n - 1] == '_' || sig[n - 1] == '-'))
		n--;
	sig[n] = '\0';
}

static void fuzz_diff_finding(struct fuzz_diff *d, const char *sig, const char *why)
{
	struct fuzz_finding *f = fuzz_report_find(&d->rep, sig);

	d->findings_seen++;
	if (!f) {
		progress_clear(&d->prog);
		fprintf(stderr, "fuzz: %.1f s: difference %s: %s\n", fuzz_diff_elapsed(d), sig,
			why);
	}
	fuzz_report_finding(&d->rep, sig, why, 0, fuzz_diff_elapsed(d), d->hist, d->hist_n);
}

/* Whether opcode can change the file system (a difference then makes the shares differ). */
static int fuzz_diff_mutates(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_LOOKUP:
	case FUSE_GETATTR:
	case FUSE_READLINK:
	case FUSE_OPEN:
	case FUSE_OPENDIR:
	case FUSE_READ:
	case FUSE_READDIR:
	case FUSE_READDIRPLUS:
	case FUSE_STATFS:
	case FUSE_FLUSH:
	case FUSE_FSYNC:
	case FUSE_FSYNCDIR:
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
	case FUSE_GETXATTR:
	case FUSE_LISTXATTR:
	case FUSE_ACCESS:
	case FUSE_LSEEK:
	case FUSE_FORGET:
		return 0;
	default:
		return 1;
	}
}

/* One request through both stacks and the comparison. 1 when a stack must be restarted. */
static int fuzz_diff_one(struct fuzz_diff *d, uint16_t queue, size_t len, uint32_t opcode,
			 uint64_t unique, int verbose_replay)
{
	struct fuzz_diff_cmp_side side[2];
	struct fuse_msg_reply rep[2];
	char why[2][200], health[256], cwhy[300], sig[96];
	const char *name[2] = {stack_backend_kind_name(&d->st[0].backend),
			       stack_backend_kind_name(&d->st[1].backend)};
	enum fuzz_diff_cmp_verdict v;
	unsigned int cause;
	uint64_t node;
	int r[2];

	/* A saved sequence is sent as it was (it was paired when recorded). */
	if (verbose_replay ? 0 : fuzz_diff_pair_handle(d, d->req[0], len, opcode)) {
		d->unmapped++;
		return 0;
	}
	memcpy(&node, d->req[0] + 16, 8);
	memcpy(d->req[1], d->req[0], len);
	if (fuzz_diff_map_request(d, d->req[1], len, opcode)) {
		d->unmapped++;
		if (verbose_replay)
			printf("  %s: not sent (names a node or handle the first backend never "
			       "handed out)\n",
			       fuse_msg_op_name(opcode));
		return 0;
	}
	fuzz_diff_hist_push(d, queue, d->req[0], len);
	for (int i = 0; i < 2; i++) {
		why[i][0] = '\0';
		r[i] = fuzz_diff_send(d, i, queue, len, opcode, unique, &side[i], &rep[i], why[i],
				      sizeof(why[i]));
	}
	for (int i = 0; i < 2; i++) {
		stack_health(&d->st[i], health, sizeof(health));
		if (!health[0] && !r[i])
			continue;
		snprintf(sig, sizeof(sig), "diff-%s-%s-%s", fuse_msg_op_name(opcode), name[i],
			 health[0] ? "died" : "bad-reply");
		snprintf(cwhy, sizeof(cwhy), "%s: %s", name[i], health[0] ? health : why[i]);
		d->deaths += health[0] != 0;
		fuzz_diff_finding(d, sig, cwhy);
		if (verbose_replay)
			printf("  %s: %s\n", sig, cwhy);
		return 1;
	}
	d->compared++;
	d->per_op[opcode & 63][0]++;
	v = fuzz_diff_cmp_reply(opcode, d->req[0], len, &side[0], &side[1], &cause, cwhy,
				sizeof(cwhy));
	if (v == FUZZ_DIFF_CMP_SAME)
		d->same++;
	else if (v == FUZZ_DIFF_CMP_DOCUMENTED)
		d->documented[cause]++;
	else {
		char full[400];

		d->per_op[opcode & 63][1]++;
		d->differing++;
		fuzz_diff_sig(sig, sizeof(sig), opcode, cwhy);
		snprintf(full, sizeof(full), "%s (%s) vs %s: %s", name[0],
			 side[0].error ? "error" : "ok", name[1], cwhy);
		fuzz_diff_finding(d, sig, full);
	}
	/* After a change that happened on one side only the two file systems differ: both start
	 * again (a difference in what was only read leaves them alike). */
	if (v == FUZZ_DIFF_CMP_FINDING && !verbose_replay && fuzz_diff_mutates(opcode) &&
	    (!side[0].error || !side[1].error))
		return 1;
	if (verbose_replay)
		printf("  %s: %s%s%s\n", fuse_msg_op_name(opcode),
		       v == FUZZ_DIFF_CMP_SAME	       ? "same"
		       : v == FUZZ_DIFF_CMP_DOCUMENTED ? "documented difference "
						       : "DIFFERENT: ",
		       v == FUZZ_DIFF_CMP_DOCUMENTED ? fuzz_diff_cmp_causes[cause].name : "",
		       v == FUZZ_DIFF_CMP_FINDING ? cwhy : "");
	if (!side[0].error && side[0].replied)
		fuzz_gen_learn(&d->g, opcode, rep[0].body, rep[0].body_len);
	if (!side[0].error && !side[1].error && side[0].replied && side[1].replied)
		fuzz_diff_learn(d, opcode, node, &rep[0], &rep[1]);
	return 0;
}

static uint64_t fuzz_diff_documented(const struct fuzz_diff *d)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < fuzz_diff_cmp_ncauses; i++)
		n += d->documented[i];
	return n;
}

static int fuzz_diff_campaign(struct fuzz_diff *d, double time_s)
{
	struct fuzz_gen_info in;
	uint64_t n = 0;
	double now;
	int r;

	if ((r = fuzz_diff_up(d)))
		return r;
	progress_init(&d->prog, STDERR_FILENO);
	d->prog.next_ms = clock_now_ms() + 2000;
	while ((now = fuzz_diff_elapsed(d)) < time_s) {
		size_t len = fuzz_gen_next(&d->g, d->req[0], FUZZ_GEN_REQ_MAX, &in);

		n++;
		if (fuzz_diff_one(d, in.queue, len, in.opcode, in.unique, 0)) {
			d->rep.restarts++;
			fuzz_diff_down(d);
			if ((r = fuzz_diff_up(d)))
				return r;
		}
		if (progress_due(&d->prog, clock_now_ms()))
			progress_force(&d->prog,
				       "fuzz: %5.1f/%.0f s  %" PRIu64
				       " requests (%.0f/s)  same %" PRIu64 "  documented %" PRIu64
				       "  differences %" PRIu64 " (%u kinds)  restarts %" PRIu64,
				       now, time_s, n, now > 0 ? (double)n / now : 0.0, d->same,
				       fuzz_diff_documented(d), d->findings_seen, d->rep.n_f,
				       d->rep.restarts);
	}
	progress_end(&d->prog);
	d->rep.requests = n;
	return 0;
}

static int fuzz_diff_write(const struct fuzz_diff *d, const char *dir, double secs, double time_s,
			   uint64_t seed)
{
	char path[512];
	FILE *f;
	uint64_t documented = fuzz_diff_documented(d);

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/differential.json", dir);
	if (!(f = fopen(path, "we")))
		return -errno;
	fprintf(
	    f,
	    "{\"backends\": [\"%s\", \"%s\"], \"versions\": [\"%s\", \"%s\"], \"seed\": %" PRIu64
	    ", \"seconds\": %.1f, \"requests\": %" PRIu64 ", \"requests_per_s\": %.1f, "
	    "\"compared\": %" PRIu64 ", \"same\": %" PRIu64 ", \"documented\": %" PRIu64
	    ", \"differences\": %" PRIu64 ", \"kinds\": %u, \"restarts\": %" PRIu64
	    ", \"not_comparable\": %" PRIu64 ", \"backend_failures\": %" PRIu64 "}\n",
	    stack_backend_kind_name(&d->st[0].backend), stack_backend_kind_name(&d->st[1].backend),
	    d->st[0].backend.version, d->st[1].backend.version, seed, secs, d->rep.requests,
	    secs > 0 ? (double)d->rep.requests / secs : 0.0, d->compared, d->same, documented,
	    d->differing, d->rep.n_f, d->rep.restarts, d->unmapped,
	    d->findings_seen - d->differing);
	if (fclose(f))
		return -errno;
	snprintf(path, sizeof(path), "%s/differential.md", dir);
	if (!(f = fopen(path, "we")))
		return -errno;
	fprintf(f,
		"# Differential fuzzing: %s vs %s\n\n"
		"`baoharness fuzz fuse-requests --differential --virtiofsd %s --against %s "
		"--time %.0f --seed %" PRIu64 "`: the same well-formed requests through two whole "
		"stacks, every pair of answers compared (`harness/cli/fuzz_diff_cmp.c`).\n\n"
		"| requests | per s | compared | same | documented | differences | backend "
		"failures | kinds | restarts |\n|---|---|---|---|---|---|---|---|---|\n| %" PRIu64
		" | %.0f | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64
		" | %u | %" PRIu64 " |\n\n"
		"## Documented causes (counted, not findings)\n\n| cause | count | why |\n"
		"|---|---|---|\n",
		d->st[0].backend.version, d->st[1].backend.version,
		stack_backend_kind_name(&d->st[0].backend),
		stack_backend_kind_name(&d->st[1].backend), time_s, seed, d->rep.requests,
		secs > 0 ? (double)d->rep.requests / secs : 0.0, d->compared, d->same, documented,
		d->differing, d->findings_seen - d->differing, d->rep.n_f, d->rep.restarts);
	for (unsigned int i = 0; i < fuzz_diff_cmp_ncauses; i++)
		fprintf(f, "| %s | %" PRIu64 " | %s |\n", fuzz_diff_cmp_causes[i].name,
			d->documented[i], fuzz_diff_cmp_causes[i].why);
	fprintf(f, "\n## Differences (deduplicated by opcode and kind)\n\n");
	if (!d->rep.n_f)
		fprintf(f, "None.\n");
	else
		fprintf(f, "| signature | count | first at | first seen | reproducer |\n"
			   "|---|---|---|---|---|\n");
	for (unsigned int i = 0; i < d->rep.n_f; i++) {
		const struct fuzz_finding *x = &d->rep.f[i];

		fprintf(f,
			"| %s | %u | %.1f s | %s | `%s` (%d requests; replay: `baoharness fuzz "
			"fuse-requests --differential --replay %s`) |\n",
			x->sig, x->count, x->first_s, x->detail, x->file, x->requests, x->file);
	}
	return fclose(f) ? -errno : 0;
}

static int fuzz_diff_replay(struct fuzz_diff *d, const char *file)
{
	struct fuzz_rec *recs;
	int n = fuzz_report_load(file, &recs), r;
	uint64_t before;

	if (n < 0) {
		fprintf(stderr, "fuzz: cannot read %s: %s\n", file, strerror(-n));
		return 2;
	}
	if ((r = fuzz_diff_up(d))) {
		fuzz_report_free_recs(recs, n);
		return r == STACK_ENV_MISSING ? 3 : 1;
	}
	before = d->findings_seen;
	for (int i = 0; i < n; i++) {
		const struct fuse_in_header *h = (const void *)recs[i].buf;

		if (recs[i].len < sizeof(*h) || recs[i].len > FUZZ_GEN_REQ_MAX)
			continue;
		memcpy(d->req[0], recs[i].buf, recs[i].len);
		printf("request %d/%d:\n", i + 1, n);
		if (fuzz_diff_one(d, recs[i].queue, recs[i].len, h->opcode, h->unique, 1))
			break;
	}
	fuzz_report_free_recs(recs, n);
	fuzz_diff_down(d);
	printf("%s\n", d->findings_seen > before ? "reproduced: the backends answered differently"
						 : "not reproduced");
	return d->findings_seen > before ? 1 : 0;
}

int fuzz_diff_main(const struct fuzz_diff_opts *o)
{
	static struct fuzz_diff d;
	int rc;

	memset(&d, 0, sizeof(d));
	for (int i = 0; i < 2; i++) {
		d.so[i].virtiofsd = i ? o->against : o->virtiofsd;
		d.so[i].verbose = o->verbose;
		d.so[i].step_timeout_ms = 3000;
		d.so[i].wait = FE_WAIT_ADAPTIVE;
		d.req[i] = malloc(FUZZ_GEN_REQ_MAX + 8192);
		d.reply[i] = malloc(FUZZ_DIFF_REPLY_CAP);
		if (!d.req[i] || !d.reply[i])
			return 1;
	}
	/* A replay reports; only a campaign saves what it finds. */
	d.rep.regress_dir = o->replay ? NULL : o->regress_dir;
	fuzz_gen_init(&d.g, o->seed);
	for (int c = 0; c < FUZZ_GEN_CLASS_COUNT; c++)
		d.g.skip[c] = c != FUZZ_GEN_VALID;
	d.t0 = clock_now_ns();
	if (o->replay) {
		rc = fuzz_diff_replay(&d, o->replay);
	} else {
		fprintf(stderr, "fuzz: differential, %.0f s, seed %" PRIu64 "\n", o->time_s,
			o->seed);
		rc = fuzz_diff_campaign(&d, o->time_s);
		fuzz_diff_down(&d);
		if (rc == 0 &&
		    fuzz_diff_write(&d, o->out, fuzz_diff_elapsed(&d), o->time_s, o->seed))
			fprintf(stderr, "fuzz: cannot write results under %s\n", o->out);
		else if (rc == 0)
			fprintf(stderr,
				"fuzz: %" PRIu64 " requests, %" PRIu64 " compared, %" PRIu64
				" differences in %u kinds; results in %s/differential.md\n",
				d.rep.requests, d.compared, d.findings_seen, d.rep.n_f, o->out);
		rc = rc == STACK_ENV_MISSING ? 3 : rc ? 1 : 0;
	}
	fuzz_diff_hist_clear(&d);
	for (int i = 0; i < 2; i++) {
		free(d.req[i]);
		free(d.reply[i]);
	}
	return rc;
}
