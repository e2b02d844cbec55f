/* fuse_map.c - comparing replayed FUSE replies with recorded ones (rules in fuse_map.h and
 * harness/cli/README.md): the one mapper of node ids and file handles both replays use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/fuse.h>

#include "fuse_map.h"
#include "fuse_msg.h"
#include "scn.h"

#define FUSE_MAP_IN_HDR 40u
#define FUSE_MAP_OUT_HDR 16u

static void fuse_map_ids_add(struct fuse_map_ids *m, uint64_t from, uint64_t to)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->from[i] == from) {
			m->to[i] = to;
			return;
		}
	if (m->n < FUSE_MAP_MAX) {
		m->from[m->n] = from;
		m->to[m->n++] = to;
	}
}

static uint64_t fuse_map_ids_get(const struct fuse_map_ids *m, uint64_t from)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->from[i] == from)
			return m->to[i];
	return from; /* the root (1), 0, and anything never learnt */
}

static uint64_t fuse_map_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void fuse_map_at(const struct fuse_map_ids *m, uint8_t *buf, size_t len, size_t off)
{
	uint64_t v;

	if (off + 8 > len)
		return;
	v = fuse_map_ids_get(m, fuse_map_u64(buf + off));
	memcpy(buf + off, &v, sizeof(v));
}

/* The recorded request with this run's node ids and file handles put in. */
size_t fuse_map_fields(const uint8_t *req, size_t len, struct fuse_map_field *out)
{
	struct fuse_in_header h;
	const size_t b = FUSE_MAP_IN_HDR;
	size_t n = 0;

	if (len < FUSE_MAP_IN_HDR)
		return 0;
	memcpy(&h, req, sizeof(h));
	out[n++] = (struct fuse_map_field){offsetof(struct fuse_in_header, nodeid), 1};
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
	case FUSE_GETLK:
	case FUSE_SETLK:
	case FUSE_SETLKW:
	case FUSE_IOCTL:
	case FUSE_POLL:
		out[n++] = (struct fuse_map_field){b, 0}; /* every *_in starts with fh */
		break;
	case FUSE_COPY_FILE_RANGE: /* fh_in, nodeid_out, fh_out */
		out[n++] = (struct fuse_map_field){b, 0};
		out[n++] = (struct fuse_map_field){b + 16, 1};
		out[n++] = (struct fuse_map_field){b + 24, 0};
		break;
	case FUSE_GETATTR: /* the handle counts only with FUSE_GETATTR_FH */
		if (len >= b + 16 && (req[b] & FUSE_GETATTR_FH))
			out[n++] = (struct fuse_map_field){b + 8, 0};
		break;
	case FUSE_SETATTR: /* and with FATTR_FH */
		if (len >= b + 16 && (req[b] & FATTR_FH))
			out[n++] = (struct fuse_map_field){b + 8, 0};
		break;
	case FUSE_RENAME:
	case FUSE_RENAME2:
	case FUSE_LINK:
		out[n++] = (struct fuse_map_field){b, 1}; /* newdir, oldnodeid */
		break;
	default:
		break;
	}
	return n;
}

void fuse_map_rewrite(struct fuse_map *r, uint8_t *req, size_t len)
{
	struct fuse_map_field f[FUSE_MAP_FIELDS];
	size_t n = fuse_map_fields(req, len, f);

	for (size_t i = 0; i < n; i++)
		fuse_map_at(f[i].is_node ? &r->nodes : &r->fhs, req, len, f[i].at);
}

/* Zero the fields of a fuse_attr at off that belong to the host, not to the file system's
 * meaning: inode number and the three times. */
static void fuse_map_mask_attr(uint8_t *body, size_t len, size_t off)
{
	static const size_t fields[][2] = {{0, 8}, {24, 48}, {48, 60}};

	for (size_t i = 0; i < 3; i++)
		if (off + fields[i][1] <= len)
			memset(body + off + fields[i][0], 0, fields[i][1] - fields[i][0]);
}

/* Learn the mappings a reply body creates and mask what is not compared. */
static void fuse_map_learn_mask(struct fuse_map *r, uint32_t opcode, uint8_t *rec, uint8_t *live,
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
		fuse_map_ids_add(&r->nodes, fuse_map_u64(rec), fuse_map_u64(live));
		memset(rec, 0, 16); /* nodeid, generation */
		memset(live, 0, 16);
		fuse_map_mask_attr(rec, len, offsetof(struct fuse_entry_out, attr));
		fuse_map_mask_attr(live, len, offsetof(struct fuse_entry_out, attr));
		if (opcode == FUSE_CREATE && len >= sizeof(struct fuse_entry_out) + 8) {
			size_t o = sizeof(struct fuse_entry_out);

			fuse_map_ids_add(&r->fhs, fuse_map_u64(rec + o), fuse_map_u64(live + o));
			memset(rec + o, 0, 8);
			memset(live + o, 0, 8);
		}
		break;
	case FUSE_GETATTR:
	case FUSE_SETATTR:
		fuse_map_mask_attr(rec, len, offsetof(struct fuse_attr_out, attr));
		fuse_map_mask_attr(live, len, offsetof(struct fuse_attr_out, attr));
		break;
	case FUSE_OPEN:
	case FUSE_OPENDIR:
		if (len < 8)
			return;
		fuse_map_ids_add(&r->fhs, fuse_map_u64(rec), fuse_map_u64(live));
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
static int fuse_map_dirents(struct fuse_map *r, const uint8_t *a, const uint8_t *b, size_t len)
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
int fuse_map_compare(struct fuse_map *r, uint32_t opcode, const uint8_t *rec, size_t rec_len,
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
	if (rec_len < FUSE_MAP_OUT_HDR)
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
		return fuse_map_dirents(r, rec + FUSE_MAP_OUT_HDR, live + FUSE_MAP_OUT_HDR,
					rec_len - FUSE_MAP_OUT_HDR);
	rc = malloc(rec_len);
	if (!rc) {
		snprintf(r->why, sizeof(r->why), "out of memory comparing %zu bytes", rec_len);
		return -1;
	}
	memcpy(rc, rec, rec_len);
	if (!hr.error)
		fuse_map_learn_mask(r, opcode, rc + FUSE_MAP_OUT_HDR, live + FUSE_MAP_OUT_HDR,
				    rec_len - FUSE_MAP_OUT_HDR);
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
