/* reply_mut.c - the hostile backend's mutations of FUSE replies (issue 18), pure: the structure
 * comes from <linux/fuse.h>, the randomness from the caller's rng, so a seed replays the same
 * choices on the same replies, and libFuzzer can drive it (fuzz/targets/fuzz_reply_mut.c). */
#include "reply_mut.h"

#include <errno.h>
#include <linux/fuse.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char *const reply_mut_names[REPLY_MUT_NCLASSES] = {
    [REPLY_MUT_LEN_SHORT] = "len-short", [REPLY_MUT_LEN_LONG] = "len-long",
    [REPLY_MUT_UNIQUE] = "unique",	 [REPLY_MUT_ERROR] = "error",
    [REPLY_MUT_USED_LEN] = "used-len",	 [REPLY_MUT_USED_ID] = "used-id",
    [REPLY_MUT_DIRENT] = "dirent",	 [REPLY_MUT_ATTR] = "attr",
    [REPLY_MUT_INIT] = "init",		 [REPLY_MUT_BYTES] = "bytes",
    [REPLY_MUT_MISSING] = "missing",	 [REPLY_MUT_EXTRA] = "extra",
    [REPLY_MUT_NOTIFY] = "notify",
};

uint64_t reply_mut_rand(struct reply_mut_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

const char *reply_mut_class_name(int cls)
{
	return cls >= 0 && cls < REPLY_MUT_NCLASSES ? reply_mut_names[cls] : "?";
}

int reply_mut_class_parse(const char *name)
{
	for (int i = 0; i < REPLY_MUT_NCLASSES; i++)
		if (!strcmp(name, reply_mut_names[i]))
			return i;
	return -EINVAL;
}

/* Unaligned little-endian field access: replies sit anywhere in the window. */
static uint32_t reply_mut_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void reply_mut_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t reply_mut_get64(const uint8_t *p)
{
	return reply_mut_get32(p) | (uint64_t)reply_mut_get32(p + 4) << 32;
}

static void reply_mut_put64(uint8_t *p, uint64_t v)
{
	reply_mut_put32(p, (uint32_t)v);
	reply_mut_put32(p + 4, (uint32_t)(v >> 32));
}

static void reply_mut_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* One of n values, uniformly. */
#define REPLY_MUT_PICK(rng, arr) ((arr)[reply_mut_rand(rng) % (sizeof(arr) / sizeof((arr)[0]))])

/* Where a fuse_attr sits in this reply's body (after the 16-byte header), or -1. */
static long reply_mut_attr_off(uint32_t opcode, size_t body)
{
	long off;

	switch (opcode) {
	case FUSE_LOOKUP:
	case FUSE_MKNOD:
	case FUSE_MKDIR:
	case FUSE_SYMLINK:
	case FUSE_LINK:
	case FUSE_CREATE:
		off = (long)offsetof(struct fuse_entry_out, attr);
		break;
	case FUSE_GETATTR:
	case FUSE_SETATTR:
		off = (long)offsetof(struct fuse_attr_out, attr);
		break;
	case FUSE_READDIRPLUS: /* the first entry's */
		off = (long)offsetof(struct fuse_direntplus, entry_out.attr);
		break;
	default:
		return -1;
	}
	return body >= (size_t)off + sizeof(struct fuse_attr) ? off : -1;
}

/* The error field of a successful reply: structured bodies follow only then. */
static int reply_mut_ok(const uint8_t *buf, size_t len)
{
	return len >= REPLY_MUT_HDR && reply_mut_get32(buf + 4) == 0;
}

static int reply_mut_applies(int cls, const uint8_t *buf, size_t len, const struct reply_mut_ctx *c)
{
	size_t body = len >= REPLY_MUT_HDR ? len - REPLY_MUT_HDR : 0;

	switch (cls) {
	case REPLY_MUT_LEN_SHORT:
	case REPLY_MUT_LEN_LONG:
	case REPLY_MUT_UNIQUE:
	case REPLY_MUT_ERROR:
		return len >= REPLY_MUT_HDR;
	case REPLY_MUT_USED_LEN:
		return 1;
	case REPLY_MUT_USED_ID:
		return c->ring_num > 0;
	case REPLY_MUT_DIRENT:
		return (c->opcode == FUSE_READDIR || c->opcode == FUSE_READDIRPLUS) &&
		       reply_mut_ok(buf, len) &&
		       body >= (c->opcode == FUSE_READDIR ? FUSE_NAME_OFFSET
							  : FUSE_NAME_OFFSET_DIRENTPLUS);
	case REPLY_MUT_ATTR:
		return reply_mut_ok(buf, len) && reply_mut_attr_off(c->opcode, body) >= 0;
	case REPLY_MUT_INIT:
		return c->opcode == FUSE_INIT && reply_mut_ok(buf, len) &&
		       body >= offsetof(struct fuse_init_out, flags2) + 4;
	case REPLY_MUT_BYTES:
		return body > 0;
	case REPLY_MUT_MISSING:
		return c->ring_num > 0;
	case REPLY_MUT_EXTRA:
		return c->ring_num > 0 && c->batch_last;
	case REPLY_MUT_NOTIFY:
		return c->hiprio ? c->ring_num > 0 && c->batch_last : len >= REPLY_MUT_HDR;
	}
	return 0;
}

static void reply_mut_header(int cls, uint8_t *buf, size_t len, const struct reply_mut_ctx *c,
			     struct reply_mut_rng *rng, struct reply_mut_result *r)
{
	static const uint32_t huge[] = {0xffffffffu, 0x80000000u, 0x7fffffffu, 0x10000000u};
	static const int32_t errs[] = {1, 2, 4095, 4096, 0x7fffffff, -4096, -65536, INT32_MIN};
	uint32_t old = reply_mut_get32(buf), v;
	uint64_t u;

	switch (cls) {
	case REPLY_MUT_LEN_SHORT:
		v = reply_mut_rand(rng) & 1
			? (uint32_t)(reply_mut_rand(rng) % REPLY_MUT_HDR)
			: (old ? old - 1 - (uint32_t)(reply_mut_rand(rng) % old) : 0);
		reply_mut_put32(buf, v);
		snprintf(r->what, sizeof(r->what), "header len %u -> %u", old, v);
		break;
	case REPLY_MUT_LEN_LONG:
		v = reply_mut_rand(rng) & 1
			? REPLY_MUT_PICK(rng, huge)
			: c->used_len + 1 + (uint32_t)(reply_mut_rand(rng) % 4096);
		reply_mut_put32(buf, v);
		snprintf(r->what, sizeof(r->what), "header len %u -> %u", old, v);
		break;
	case REPLY_MUT_UNIQUE:
		u = reply_mut_get64(buf + 8);
		switch (reply_mut_rand(rng) % 4) {
		case 0:
			reply_mut_put64(buf + 8, u + 2);
			break;
		case 1:
			reply_mut_put64(buf + 8, u - 2);
			break;
		case 2:
			reply_mut_put64(buf + 8, 0);
			break;
		default:
			reply_mut_put64(buf + 8, reply_mut_rand(rng));
		}
		snprintf(r->what, sizeof(r->what), "unique %llu -> %llu", (unsigned long long)u,
			 (unsigned long long)reply_mut_get64(buf + 8));
		break;
	default: /* REPLY_MUT_ERROR */
		old = reply_mut_get32(buf + 4);
		v = (uint32_t)REPLY_MUT_PICK(rng, errs);
		reply_mut_put32(buf + 4, v);
		snprintf(r->what, sizeof(r->what), "error %d -> %d", (int32_t)old, (int32_t)v);
		break;
	}
	(void)len;
}

/* One dirent field of a READDIR or READDIRPLUS body: the k-th entry that fits. */
static void reply_mut_dirent(uint8_t *buf, size_t len, const struct reply_mut_ctx *c,
			     struct reply_mut_rng *rng, struct reply_mut_result *r)
{
	static const uint32_t namelens[] = {0, 1, 255, 256, 4096, 0x7fffffff, 0xffffffff};
	size_t pre = c->opcode == FUSE_READDIRPLUS ? sizeof(struct fuse_entry_out) : 0;
	size_t off = REPLY_MUT_HDR, pick = 0, n = 0, at[64];
	uint8_t *d;
	uint32_t v;

	/* The entries that fit, as the guest's parser would walk them. */
	while (n < 64 && off + pre + FUSE_NAME_OFFSET <= len) {
		uint32_t nl =
		    reply_mut_get32(buf + off + pre + offsetof(struct fuse_dirent, namelen));
		size_t rec = pre + FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + (size_t)nl);

		at[n++] = off;
		if (nl > 4096 || rec > len - off)
			break;
		off += rec;
	}
	pick = at[reply_mut_rand(rng) % n];
	d = buf + pick + pre;
	switch (reply_mut_rand(rng) % 4) {
	case 0:
		v = REPLY_MUT_PICK(rng, namelens);
		snprintf(r->what, sizeof(r->what), "dirent at %zu namelen %u -> %u", pick,
			 reply_mut_get32(d + offsetof(struct fuse_dirent, namelen)), v);
		reply_mut_put32(d + offsetof(struct fuse_dirent, namelen), v);
		break;
	case 1: /* off drives the next READDIR: a loop back, or the end of everything */
		v = (uint32_t)(reply_mut_rand(rng) % 3);
		reply_mut_put64(d + offsetof(struct fuse_dirent, off), v == 0 ? 0
								       : v == 1
									   ? ~0ULL
									   : reply_mut_rand(rng));
		snprintf(
		    r->what, sizeof(r->what), "dirent at %zu off -> %llu", pick,
		    (unsigned long long)reply_mut_get64(d + offsetof(struct fuse_dirent, off)));
		break;
	case 2: { /* a '/' or NUL inside the name: the guest must refuse, not hand it on */
		uint32_t nl = reply_mut_get32(d + offsetof(struct fuse_dirent, namelen));
		size_t room = len - (size_t)(d - buf) - FUSE_NAME_OFFSET;
		size_t i = nl && room ? (size_t)(reply_mut_rand(rng) % (nl < room ? nl : room)) : 0;

		if (!room) {
			snprintf(r->what, sizeof(r->what), "dirent at %zu: no name bytes", pick);
			break;
		}
		d[FUSE_NAME_OFFSET + i] = reply_mut_rand(rng) & 1 ? '/' : '\0';
		snprintf(r->what, sizeof(r->what), "dirent at %zu name byte %zu -> 0x%02x", pick, i,
			 d[FUSE_NAME_OFFSET + i]);
		break;
	}
	default: /* d_type: not the S_IFMT>>12 of any type */
		v = (uint32_t)(reply_mut_rand(rng) % 3 ? 15 : reply_mut_rand(rng));
		reply_mut_put32(d + offsetof(struct fuse_dirent, type), v);
		snprintf(r->what, sizeof(r->what), "dirent at %zu type -> %u", pick, v);
	}
}

static void reply_mut_attr(uint8_t *buf, size_t len, const struct reply_mut_ctx *c,
			   struct reply_mut_rng *rng, struct reply_mut_result *r)
{
	static const uint32_t modes[] = {0,	  0170777, 0140755,	    0060644,	0020644,
					 0010644, 0040000, 0100000 | 07777, 0xffffffffu};
	static const uint64_t sizes[] = {~0ULL, 1ULL << 63, (1ULL << 63) - 1, 1ULL << 62, 4096};
	static const uint32_t nlinks[] = {0, 0xffffffffu, 0x80000000u};
	long ao = reply_mut_attr_off(c->opcode, len - REPLY_MUT_HDR);
	uint8_t *a = buf + REPLY_MUT_HDR + ao;
	uint32_t v;
	uint64_t u;

	switch (reply_mut_rand(rng) % 5) {
	case 0:
		v = REPLY_MUT_PICK(rng, modes);
		reply_mut_put32(a + offsetof(struct fuse_attr, mode), v);
		snprintf(r->what, sizeof(r->what), "attr mode -> 0%o", v);
		break;
	case 1:
		u = REPLY_MUT_PICK(rng, sizes);
		reply_mut_put64(a + offsetof(struct fuse_attr, size), u);
		snprintf(r->what, sizeof(r->what), "attr size -> %llu", (unsigned long long)u);
		break;
	case 2:
		v = REPLY_MUT_PICK(rng, nlinks);
		reply_mut_put32(a + offsetof(struct fuse_attr, nlink), v);
		snprintf(r->what, sizeof(r->what), "attr nlink -> %u", v);
		break;
	case 3:
		u = reply_mut_rand(rng) & 1 ? 0 : reply_mut_rand(rng);
		reply_mut_put64(a + offsetof(struct fuse_attr, ino), u);
		snprintf(r->what, sizeof(r->what), "attr ino -> %llu", (unsigned long long)u);
		break;
	default:
		v = reply_mut_rand(rng) & 1 ? 0 : 0x80000000u;
		reply_mut_put32(a + offsetof(struct fuse_attr, blksize), v);
		snprintf(r->what, sizeof(r->what), "attr blksize -> %u", v);
	}
}

static void reply_mut_init(uint8_t *buf, struct reply_mut_rng *rng, struct reply_mut_result *r)
{
	static const uint32_t writes[] = {0, 1, 4095, 0x7fffffff, 0xffffffffu};
	static const uint16_t pages[] = {0, 1, 257, 0xffff};
	uint8_t *b = buf + REPLY_MUT_HDR;
	uint32_t v;

	switch (reply_mut_rand(rng) % 5) {
	case 0:
		v = REPLY_MUT_PICK(rng, writes);
		reply_mut_put32(b + offsetof(struct fuse_init_out, max_write), v);
		snprintf(r->what, sizeof(r->what), "init max_write -> %u", v);
		break;
	case 1:
		v = REPLY_MUT_PICK(rng, pages);
		reply_mut_put16(b + offsetof(struct fuse_init_out, max_pages), (uint16_t)v);
		snprintf(r->what, sizeof(r->what), "init max_pages -> %u", v);
		break;
	case 2:
		v = (uint32_t)reply_mut_rand(rng);
		reply_mut_put32(b + offsetof(struct fuse_init_out, flags), v);
		snprintf(r->what, sizeof(r->what), "init flags -> 0x%x", v);
		break;
	case 3:
		v = (uint32_t)(reply_mut_rand(rng) % 3 == 0 ? 0 : reply_mut_rand(rng) % 100);
		reply_mut_put32(b + offsetof(struct fuse_init_out, minor), v);
		snprintf(r->what, sizeof(r->what), "init minor -> %u", v);
		break;
	default:
		v = reply_mut_rand(rng) & 1 ? 0 : 0xffffffffu;
		reply_mut_put32(b + offsetof(struct fuse_init_out, time_gran), v);
		snprintf(r->what, sizeof(r->what), "init time_gran -> %u", v);
	}
}

/* One more used entry after this one: a head the driver did not make available (most of the
 * ring is free), or now and then this very head again (a second reply to one request). */
static void reply_mut_extra(const struct reply_mut_ctx *c, struct reply_mut_rng *rng,
			    struct reply_mut_result *r)
{
	r->extra = 1;
	/* Always a head of the ring: a lie about an id past it is used-id's. */
	if (c->ring_num < 2)
		r->extra_id = 0;
	else if (reply_mut_rand(rng) % 4 == 0 && c->used_id < c->ring_num)
		r->extra_id = c->used_id;
	else
		r->extra_id =
		    (uint32_t)((c->used_id + 1 + reply_mut_rand(rng) % (c->ring_num - 1)) %
			       c->ring_num);
	r->extra_len = c->used_len;
	snprintf(r->what, sizeof(r->what), "%sextra used entry id %u len %u after id %u",
		 c->hiprio ? "hiprio: " : "", r->extra_id, r->extra_len, c->used_id);
}

/* A FUSE notification as /dev/fuse carries one (unique 0, error = the notify code), sent where
 * a reply was due: the body stays the reply's. */
static void reply_mut_notify(uint8_t *buf, struct reply_mut_rng *rng, struct reply_mut_result *r)
{
	uint32_t code = 1 + (uint32_t)(reply_mut_rand(rng) % (FUSE_NOTIFY_RETRIEVE + 1));
	uint64_t u = reply_mut_get64(buf + 8);

	reply_mut_put64(buf + 8, 0);
	reply_mut_put32(buf + 4, code);
	snprintf(r->what, sizeof(r->what), "notification: unique %llu -> 0, error -> %u",
		 (unsigned long long)u, code);
}

static void reply_mut_do(int cls, uint8_t *buf, size_t len, const struct reply_mut_ctx *c,
			 struct reply_mut_rng *rng, struct reply_mut_result *r)
{
	uint32_t v;

	switch (cls) {
	case REPLY_MUT_USED_LEN:
		v = reply_mut_rand(rng) & 1 ? 0xffffffffu
					    : c->cap + 1 + (uint32_t)(reply_mut_rand(rng) % 65536);
		snprintf(r->what, sizeof(r->what), "used len %u -> %u (buffer %u)", c->used_len, v,
			 c->cap);
		r->used_len = v;
		break;
	case REPLY_MUT_USED_ID:
		/* Another entry's id completes a request twice and leaves this one forever. */
		v = reply_mut_rand(rng) & 1 ? c->prev_id
					    : c->ring_num + (uint32_t)(reply_mut_rand(rng) % 1024);
		snprintf(r->what, sizeof(r->what), "used id %u -> %u (ring of %u)", c->used_id, v,
			 c->ring_num);
		r->used_id = v;
		break;
	case REPLY_MUT_DIRENT:
		reply_mut_dirent(buf, len, c, rng, r);
		break;
	case REPLY_MUT_ATTR:
		reply_mut_attr(buf, len, c, rng, r);
		break;
	case REPLY_MUT_INIT:
		reply_mut_init(buf, rng, r);
		break;
	case REPLY_MUT_MISSING:
		r->drop = 1;
		snprintf(r->what, sizeof(r->what), "used entry id %u len %u dropped", c->used_id,
			 c->used_len);
		break;
	case REPLY_MUT_EXTRA:
		reply_mut_extra(c, rng, r);
		break;
	case REPLY_MUT_NOTIFY:
		if (c->hiprio)
			reply_mut_extra(c, rng, r);
		else
			reply_mut_notify(buf, rng, r);
		break;
	case REPLY_MUT_BYTES:
		for (int i = 0, n = 1 + (int)(reply_mut_rand(rng) % 4); i < n; i++) {
			size_t at = REPLY_MUT_HDR + reply_mut_rand(rng) % (len - REPLY_MUT_HDR);

			buf[at] ^= (uint8_t)(1u << (reply_mut_rand(rng) % 8));
		}
		snprintf(r->what, sizeof(r->what), "body bits flipped in %zu bytes",
			 len - REPLY_MUT_HDR);
		break;
	default:
		reply_mut_header(cls, buf, len, c, rng, r);
	}
}

int reply_mut_apply(uint8_t *buf, size_t len, uint32_t mask, const struct reply_mut_ctx *ctx,
		    struct reply_mut_rng *rng, struct reply_mut_result *res)
{
	int ok[REPLY_MUT_NCLASSES], n = 0;

	if ((!buf && len) || len > ctx->used_len)
		return -EINVAL;
	for (int i = 0; i < REPLY_MUT_NCLASSES; i++)
		if ((mask & (1u << i)) && reply_mut_applies(i, buf, len, ctx))
			ok[n++] = i;
	if (!n)
		return -ENOENT;
	res->cls = ok[reply_mut_rand(rng) % (uint64_t)n];
	res->used_len = ctx->used_len;
	res->used_id = ctx->used_id;
	res->drop = res->extra = 0;
	res->extra_id = res->extra_len = 0;
	res->what[0] = '\0';
	reply_mut_do(res->cls, buf, len, ctx, rng, res);
	return 0;
}

/* A split-ring descriptor (virtio 1.2 §2.7.5), read from the window unaligned and LE. */
struct reply_mut_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

#define REPLY_MUT_F_NEXT 1
#define REPLY_MUT_F_WRITE 2
#define REPLY_MUT_F_INDIRECT 4
#define REPLY_MUT_INDIRECT_MAX 1024

static void reply_mut_desc_at(const uint8_t *p, struct reply_mut_desc *d)
{
	d->addr = reply_mut_get64(p);
	d->len = reply_mut_get32(p + 8);
	d->flags = (uint16_t)(p[12] | p[13] << 8);
	d->next = (uint16_t)(p[14] | p[15] << 8);
}

/* [gpa, gpa + len) inside the window: its offset, or -1. */
static int64_t reply_mut_win_off(uint64_t win_gpa, uint64_t win_size, uint64_t gpa, uint64_t len)
{
	if (gpa < win_gpa || len > win_size || gpa - win_gpa > win_size - len)
		return -1;
	return (int64_t)(gpa - win_gpa);
}

int reply_mut_chain(const uint8_t *win, uint64_t win_gpa, uint64_t win_size, uint64_t desc_off,
		    uint32_t num, uint32_t head, struct reply_mut_seg *segs, unsigned max,
		    unsigned *nseg)
{
	uint64_t tab = desc_off;
	uint32_t tab_n = num, i = head, steps = 0;
	int indirect = 0;

	*nseg = 0;
	if (!num || head >= num || desc_off > win_size || (uint64_t)num * 16 > win_size - desc_off)
		return -EINVAL;
	for (;;) {
		struct reply_mut_desc d;
		int64_t off;

		/* virtio 1.2 §2.7.5.3.1: a chain is at most the table long. */
		if (i >= tab_n || ++steps > tab_n)
			return -EINVAL;
		reply_mut_desc_at(win + tab + 16ULL * i, &d);
		if (d.flags & REPLY_MUT_F_INDIRECT) {
			if (indirect || (d.flags & REPLY_MUT_F_NEXT) || d.len % 16 || !d.len ||
			    d.len / 16 > REPLY_MUT_INDIRECT_MAX)
				return -EINVAL;
			off = reply_mut_win_off(win_gpa, win_size, d.addr, d.len);
			if (off < 0)
				return -EINVAL;
			indirect = 1;
			tab = (uint64_t)off;
			tab_n = d.len / 16;
			i = 0;
			steps = 0;
			continue;
		}
		off = reply_mut_win_off(win_gpa, win_size, d.addr, d.len);
		if (off < 0)
			return -EINVAL;
		if (*nseg >= max)
			return -E2BIG;
		segs[*nseg] = (struct reply_mut_seg){(uint64_t)off, d.len,
						     (d.flags & REPLY_MUT_F_WRITE) != 0};
		(*nseg)++;
		if (!(d.flags & REPLY_MUT_F_NEXT))
			return 0;
		i = d.next;
	}
}
