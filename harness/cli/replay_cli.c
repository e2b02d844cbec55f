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
#include "fuse_msg.h"
#include "fuse_trace.h"
#include "log.h"
#include "replay_cli.h"
#include "run.h"
#include "scn.h"
#include "stack.h"

#define REPLAY_MAP_MAX 4096
#define REPLAY_REPLY_CAP ((1u << 20) + 4096u)
#define REPLAY_FILE_MAX (1ull << 30)
#define REPLAY_IN_HDR 40u
#define REPLAY_OUT_HDR 16u

struct replay_map {
	uint64_t from[REPLAY_MAP_MAX], to[REPLAY_MAP_MAX];
	size_t n;
};

struct replay {
	struct stack s;
	struct fuse_client *fc;
	struct replay_map nodes, fhs;
	uint8_t *live;
	size_t requests, host_steps;
	long flip; /* test only: BAOHARNESS_REPLAY_FLIP=N flips the last byte of reply N */
	char why[768];
	char where[160]; /* the diverging request, when a reply differs */
};

static void replay_map_add(struct replay_map *m, uint64_t from, uint64_t to)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->from[i] == from) {
			m->to[i] = to;
			return;
		}
	if (m->n < REPLAY_MAP_MAX) {
		m->from[m->n] = from;
		m->to[m->n++] = to;
	}
}

static uint64_t replay_map_get(const struct replay_map *m, uint64_t from)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->from[i] == from)
			return m->to[i];
	return from; /* the root (1), 0, and anything never learnt */
}

static uint64_t replay_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void replay_map_at(const struct replay_map *m, uint8_t *buf, size_t len, size_t off)
{
	uint64_t v;

	if (off + 8 > len)
		return;
	v = replay_map_get(m, replay_u64(buf + off));
	memcpy(buf + off, &v, sizeof(v));
}

/* The recorded request with this run's node ids and file handles put in. */
static void replay_rewrite(struct replay *r, uint8_t *req, size_t len)
{
	struct fuse_in_header h;
	const size_t b = REPLAY_IN_HDR;

	if (len < REPLAY_IN_HDR)
		return;
	memcpy(&h, req, sizeof(h));
	replay_map_at(&r->nodes, req, len, offsetof(struct fuse_in_header, nodeid));
	switch (h.opcode) {
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
		replay_map_at(&r->fhs, req, len, b); /* every *_in starts with fh */
		break;
	case FUSE_GETATTR:
		if (len >= b + 16 && (req[b] & FUSE_GETATTR_FH))
			replay_map_at(&r->fhs, req, len, b + 8);
		break;
	case FUSE_SETATTR:
		if (len >= b + 16 && (req[b] & FATTR_FH))
			replay_map_at(&r->fhs, req, len, b + 8);
		break;
	case FUSE_RENAME:
	case FUSE_RENAME2:
	case FUSE_LINK:
		replay_map_at(&r->nodes, req, len, b); /* newdir, oldnodeid */
		break;
	default:
		break;
	}
}

/* Zero the fields of a fuse_attr at off that belong to the host, not to the file system's
 * meaning: inode number and the three times. */
static void replay_mask_attr(uint8_t *body, size_t len, size_t off)
{
	static const size_t fields[][2] = {{0, 8}, {24, 48}, {48, 60}};

	for (size_t i = 0; i < 3; i++)
		if (off + fields[i][1] <= len)
			memset(body + off + fields[i][0], 0, fields[i][1] - fields[i][0]);
}

/* Learn the mappings a reply body creates and mask what is not compared. */
static void replay_learn_mask(struct replay *r, uint32_t opcode, uint8_t *rec, uint8_t *live,
			      size_t len)
{
	switch (opcode) {
	case FUSE_LOOKUP:
	case FUSE_MKDIR:
	case FUSE_SYMLINK:
	case FUSE_MKNOD:
	case FUSE_LINK:
	case FUSE_CREATE:
		if (len < sizeof(struct fuse_entry_out))
			return;
		replay_map_add(&r->nodes, replay_u64(rec), replay_u64(live));
		memset(rec, 0, 16); /* nodeid, generation */
		memset(live, 0, 16);
		replay_mask_attr(rec, len, offsetof(struct fuse_entry_out, attr));
		replay_mask_attr(live, len, offsetof(struct fuse_entry_out, attr));
		if (opcode == FUSE_CREATE && len >= sizeof(struct fuse_entry_out) + 8) {
			size_t o = sizeof(struct fuse_entry_out);

			replay_map_add(&r->fhs, replay_u64(rec + o), replay_u64(live + o));
			memset(rec + o, 0, 8);
			memset(live + o, 0, 8);
		}
		break;
	case FUSE_GETATTR:
	case FUSE_SETATTR:
		replay_mask_attr(rec, len, offsetof(struct fuse_attr_out, attr));
		replay_mask_attr(live, len, offsetof(struct fuse_attr_out, attr));
		break;
	case FUSE_OPEN:
	case FUSE_OPENDIR:
		if (len < 8)
			return;
		replay_map_add(&r->fhs, replay_u64(rec), replay_u64(live));
		memset(rec, 0, 8);
		memset(live, 0, 8);
		break;
	case FUSE_STATFS:
		memset(rec, 0, len); /* free space is the machine's, not the trace's */
		memset(live, 0, len);
		break;
	default:
		break;
	}
}

/* READDIR bodies: the same names and types in the same order (inode numbers and offsets are
 * the host's). 0 or -1 with why. */
static int replay_dirents(struct replay *r, const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t pa = 0, pb = 0;
	char w[128];

	for (;;) {
		struct fuse_msg_dirent da, db;
		int ra = fuse_msg_dirent_next(a, len, &pa, &da, w, sizeof(w));
		int rb = fuse_msg_dirent_next(b, len, &pb, &db, w, sizeof(w));

		if (ra != rb || (ra == 1 && (da.namelen != db.namelen || da.type != db.type ||
					     memcmp(da.name, db.name, da.namelen)))) {
			snprintf(
			    r->why, sizeof(r->why),
			    "READDIR entries differ at body offset %zu (recorded \"%.*s\", got "
			    "\"%.*s\")",
			    pa, ra == 1 ? (int)da.namelen : 0, ra == 1 ? da.name : "",
			    rb == 1 ? (int)db.namelen : 0, rb == 1 ? db.name : "");
			return -1;
		}
		if (ra != 1)
			return 0;
	}
}

/* Compare one reply: 0 identical (after mapping), -1 with r->why. */
static int replay_compare(struct replay *r, uint32_t opcode, const uint8_t *rec, size_t rec_len,
			  uint8_t *live, size_t live_len)
{
	struct fuse_out_header hr, hl;
	uint8_t *rc = NULL;
	int res = 0;

	if (rec_len != live_len) {
		snprintf(r->why, sizeof(r->why), "reply length: recorded %zu bytes, got %zu",
			 rec_len, live_len);
		return -1;
	}
	if (rec_len < REPLAY_OUT_HDR)
		return memcmp(rec, live, rec_len) ? -1 : 0;
	memcpy(&hr, rec, sizeof(hr));
	memcpy(&hl, live, sizeof(hl));
	if (hr.error != hl.error) {
		const char *a = scn_errno_name(hr.error), *b = scn_errno_name(hl.error);

		snprintf(r->why, sizeof(r->why), "error: recorded %s (%d), got %s (%d)",
			 hr.error ? (a ? a : "?") : "ok", hr.error, hl.error ? (b ? b : "?") : "ok",
			 hl.error);
		return -1;
	}
	if (opcode == FUSE_READDIR && !hr.error)
		return replay_dirents(r, rec + REPLAY_OUT_HDR, live + REPLAY_OUT_HDR,
				      rec_len - REPLAY_OUT_HDR);
	rc = malloc(rec_len);
	if (!rc) {
		snprintf(r->why, sizeof(r->why), "out of memory comparing %zu bytes", rec_len);
		return -1;
	}
	memcpy(rc, rec, rec_len);
	if (!hr.error)
		replay_learn_mask(r, opcode, rc + REPLAY_OUT_HDR, live + REPLAY_OUT_HDR,
				  rec_len - REPLAY_OUT_HDR);
	for (size_t i = 0; i < rec_len; i++)
		if (rc[i] != live[i]) {
			snprintf(r->why, sizeof(r->why),
				 "reply byte %zu of %zu: recorded 0x%02x, got 0x%02x", i, rec_len,
				 rc[i], live[i]);
			res = -1;
			break;
		}
	free(rc);
	return res;
}

static int replay_host(struct replay *r, const struct fuse_trace_rec *t, size_t index)
{
	struct scn_step st;
	char err[256], line[4096];
	int rc;

	snprintf(line, sizeof(line), "%.*s", (int)t->req_len, (const char *)t->req);
	rc =
	    scn_parse_step("trace", (unsigned int)index, line, strlen(line), &st, err, sizeof(err));
	if (rc) {
		snprintf(r->why, sizeof(r->why), "record %zu: host step does not parse: %s", index,
			 err);
		return -EINVAL;
	}
	r->host_steps++;
	rc = stack_host_step(&r->s, &st, 10000, err, sizeof(err));
	if (rc)
		snprintf(r->why, sizeof(r->why), "record %zu: host step `%s` failed: %s", index,
			 line, err);
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

	if (t->kind == FUSE_TRACE_KIND_HOST)
		return replay_host(r, t, index);
	req = malloc(len ? len : 1);
	if (!req)
		return -ENOMEM;
	memcpy(req, t->req, t->req_len);
	if (t->data_len)
		memcpy(req + t->req_len, t->data, t->data_len);
	if (len >= sizeof(h))
		memcpy(&h, req, sizeof(h));
	replay_rewrite(r, req, len);
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
		if ((long)r->requests == r->flip && got)
			r->live[got - 1] ^= 0x01; /* the test's broken device model */
		rc = replay_compare(r, h.opcode, t->reply, t->reply_len, r->live, got);
	}
	if (rc) {
		snprintf(r->where, sizeof(r->where),
			 "record %zu (request %zu: %s unique %" PRIu64 " nodeid %" PRIu64 ")",
			 index, r->requests, fuse_msg_op_name(h.opcode), (uint64_t)h.unique,
			 (uint64_t)h.nodeid);
		return -EPROTO;
	}
	return 0;
}

static int replay_read(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    (unsigned long long)n > REPLAY_FILE_MAX || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -E2BIG;
	}
	*buf = malloc(n ? (size_t)n : 1);
	if (!*buf || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -EIO;
	}
	*len = (size_t)n;
	fclose(f);
	return 0;
}

int replay_cli_main(int argc, char **argv)
{
	static struct replay r;
	struct stack_opts so = {.step_timeout_ms = 10000, .wait = FE_WAIT_ADAPTIVE};
	const char *path = NULL, *flip = getenv("BAOHARNESS_REPLAY_FLIP");
	uint8_t *buf = NULL;
	size_t len = 0;
	char why[256];
	long n;
	int rc;

	memset(&r, 0, sizeof(r));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--virtiofsd") && i + 1 < argc)
			so.virtiofsd = argv[++i];
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			path = NULL, i = argc;
	}
	if (!path || argc > 4) {
		fprintf(stderr, "usage: baoharness replay [--virtiofsd c|rust|PATH] TRACE   (a "
				"`run --record TRACE` trace)\n");
		return RUN_EXIT_USAGE;
	}
	r.flip = flip ? strtol(flip, NULL, 10) : 0;
	rc = replay_read(path, &buf, &len);
	n = rc ? rc : fuse_trace_parse(buf, len, NULL, NULL, why, sizeof(why));
	if (n < 0) {
		fprintf(stderr, "baoharness replay: %s: %s\n", path, rc ? strerror(-rc) : why);
		free(buf);
		return RUN_EXIT_FAIL;
	}
	if (log_get_level() > LOG_ERROR)
		log_set_level(LOG_ERROR);
	rc = stack_start(&r.s, &so);
	if (rc) {
		free(buf);
		return rc == STACK_ENV_MISSING ? RUN_EXIT_ENV : RUN_EXIT_FAIL;
	}
	r.fc = scripted_fe_client(r.s.fe);
	r.live = malloc(REPLAY_REPLY_CAP);
	n = r.live ? fuse_trace_parse(buf, len, replay_one, &r, why, sizeof(why)) : -ENOMEM;
	stack_stop(&r.s);
	free(r.live);
	free(buf);
	if (n < 0) {
		printf("replay: first divergence at %s%s%s\n", r.where, r.where[0] ? ": " : "",
		       r.why[0] ? r.why : strerror((int)-n));
		return RUN_EXIT_FAIL;
	}
	printf("replayed %zu requests, identical (%zu host steps redone; node ids and file "
	       "handles mapped: %zu, %zu)\n",
	       r.requests, r.host_steps, r.nodes.n, r.fhs.n);
	return RUN_EXIT_PASS;
}
