/* fuzz_sem_gen.c - random scenario programs for `fuzz semantics`: a small pool of names so steps
 * collide (renames over existing targets, writes through links, removals of busy directories),
 * relative symlink targets only (the format never lets a frontend step follow an absolute one),
 * host edits between frontend steps; and the rendering of a step as scenario text. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_sem.h"

/* Names chosen so that most steps meet something: files, directories, links and nesting. */
static const char *const fuzz_sem_gen_paths[] = {
    "a",
    "b",
    "c",
    "d0",
    "d1",
    "l",
    "m",
    "d0/a",
    "d0/b",
    "d0/l",
    "d0/e",
    "d0/e/a",
    "d1/a",
    "d1/c",
    /* names every layer must carry intact: blanks, quotes, '#', UTF-8 (a guest agent's
     * quoting, FUSE names, the host's) */
    "s p",
    "d1/q\"#",
    "d0/\xc3\xbc",
};
#define FUZZ_SEM_GEN_NPATHS (sizeof(fuzz_sem_gen_paths) / sizeof(fuzz_sem_gen_paths[0]))
/* Directories the generator likes to create, so nested paths exist often enough. */
static const char *const fuzz_sem_gen_dirs[] = {"d0", "d1", "d0/e"};
/* Targets relative to the link's own directory; ".." only for links below the root so that no
 * target leaves the program's directory. "l" and "m" may point at each other (ELOOP). */
static const char *const fuzz_sem_gen_targets_top[] = {"a", "b", "d0", "d0/a", "nope", "l", "m"};
static const char *const fuzz_sem_gen_targets_sub[] = {"a", "../a", "e", "e/a", "../d1", "l"};

struct fuzz_sem_gen_rng {
	uint64_t x;
};

static uint64_t fuzz_sem_gen_next(struct fuzz_sem_gen_rng *r)
{
	/* xorshift64*, the scenario format's own generator */
	r->x ^= r->x >> 12;
	r->x ^= r->x << 25;
	r->x ^= r->x >> 27;
	return r->x * 0x2545F4914F6CDD1DULL;
}

static uint64_t fuzz_sem_gen_below(struct fuzz_sem_gen_rng *r, uint64_t n)
{
	return n ? fuzz_sem_gen_next(r) % n : 0;
}

static const char *fuzz_sem_gen_pick_path(struct fuzz_sem_gen_rng *r)
{
	return fuzz_sem_gen_paths[fuzz_sem_gen_below(r, FUZZ_SEM_GEN_NPATHS)];
}

static void fuzz_sem_gen_data(struct fuzz_sem_gen_rng *r, struct fuzz_sem_op *op)
{
	size_t n = (size_t)fuzz_sem_gen_below(r, 5) == 0 ? 0 : 1 + fuzz_sem_gen_below(r, 40);
	int binary = fuzz_sem_gen_below(r, 4) == 0;

	if (fuzz_sem_gen_below(r, 8) == 0)
		n = FUZZ_SEM_DATA_MAX;
	for (size_t i = 0; i < n; i++)
		op->data[i] = binary ? (unsigned char)fuzz_sem_gen_next(r)
				     : (unsigned char)('a' + fuzz_sem_gen_below(r, 26));
	op->data_len = n;
}

static uint64_t fuzz_sem_gen_offset(struct fuzz_sem_gen_rng *r)
{
	switch (fuzz_sem_gen_below(r, 4)) {
	case 0:
		return 0;
	case 1:
		return fuzz_sem_gen_below(r, 16);
	case 2:
		return fuzz_sem_gen_below(r, 200);
	default:
		return fuzz_sem_gen_below(r, FUZZ_SEM_SIZE_MAX - FUZZ_SEM_DATA_MAX);
	}
}

static void fuzz_sem_gen_symlink(struct fuzz_sem_gen_rng *r, struct fuzz_sem_op *op)
{
	static const char *const links[] = {"l", "m", "d0/l", "b"};
	const char *p = links[fuzz_sem_gen_below(r, 4)];
	int sub = strchr(p, '/') != NULL;
	const char *t = sub ? fuzz_sem_gen_targets_sub[fuzz_sem_gen_below(r, 6)]
			    : fuzz_sem_gen_targets_top[fuzz_sem_gen_below(r, 7)];

	snprintf(op->path, sizeof(op->path), "%s", p);
	snprintf(op->path2, sizeof(op->path2), "%s", t);
}

/* Weighted choice of a command: mutations and observations about even, host edits rarer. */
static const struct {
	enum scn_cmd cmd;
	unsigned int weight;
} fuzz_sem_gen_mix[] = {
    {SCN_WRITE, 8},	  {SCN_APPEND, 4},     {SCN_PWRITE, 6},	     {SCN_TRUNCATE, 4},
    {SCN_MKDIR, 6},	  {SCN_RMDIR, 3},      {SCN_UNLINK, 4},	     {SCN_RENAME, 7},
    {SCN_SYMLINK, 4},	  {SCN_READ, 8},       {SCN_PREAD, 4},	     {SCN_STAT, 7},
    {SCN_LIST, 6},	  {SCN_READLINK, 3},   {SCN_FSYNC, 1},	     {SCN_HOST_WRITE, 3},
    {SCN_HOST_APPEND, 2}, {SCN_HOST_MKDIR, 2}, {SCN_HOST_UNLINK, 2}, {SCN_HOST_READ, 2},
    {SCN_HOST_STAT, 2},	  {SCN_HOST_LIST, 2},  {SCN_REMOUNT, 1},
};

static enum scn_cmd fuzz_sem_gen_cmd(struct fuzz_sem_gen_rng *r)
{
	unsigned int total = 0, i, pick;

	for (i = 0; i < sizeof(fuzz_sem_gen_mix) / sizeof(fuzz_sem_gen_mix[0]); i++)
		total += fuzz_sem_gen_mix[i].weight;
	pick = (unsigned int)fuzz_sem_gen_below(r, total);
	for (i = 0; pick >= fuzz_sem_gen_mix[i].weight; i++)
		pick -= fuzz_sem_gen_mix[i].weight;
	return fuzz_sem_gen_mix[i].cmd;
}

static void fuzz_sem_gen_op(struct fuzz_sem_gen_rng *r, struct fuzz_sem_op *op)
{
	memset(op, 0, sizeof(*op));
	op->cmd = fuzz_sem_gen_cmd(r);
	snprintf(op->path, sizeof(op->path), "%s", fuzz_sem_gen_pick_path(r));
	switch (op->cmd) {
	case SCN_WRITE:
	case SCN_APPEND:
	case SCN_HOST_WRITE:
	case SCN_HOST_APPEND:
		fuzz_sem_gen_data(r, op);
		break;
	case SCN_PWRITE:
		op->off = fuzz_sem_gen_offset(r);
		fuzz_sem_gen_data(r, op);
		break;
	case SCN_TRUNCATE:
		op->off = fuzz_sem_gen_offset(r);
		break;
	case SCN_PREAD:
		op->off = fuzz_sem_gen_offset(r);
		op->len = fuzz_sem_gen_below(r, 3) ? 1 + fuzz_sem_gen_below(r, 64) : 8192;
		break;
	case SCN_MKDIR:
	case SCN_HOST_MKDIR:
		if (fuzz_sem_gen_below(r, 2))
			snprintf(op->path, sizeof(op->path), "%s",
				 fuzz_sem_gen_dirs[fuzz_sem_gen_below(r, 3)]);
		break;
	case SCN_LIST:
	case SCN_HOST_LIST:
		if (fuzz_sem_gen_below(r, 3) == 0)
			op->path[0] = '\0'; /* the program's root */
		else if (fuzz_sem_gen_below(r, 2))
			snprintf(op->path, sizeof(op->path), "%s",
				 fuzz_sem_gen_dirs[fuzz_sem_gen_below(r, 3)]);
		break;
	case SCN_RENAME:
		snprintf(op->path2, sizeof(op->path2), "%s", fuzz_sem_gen_pick_path(r));
		break;
	case SCN_SYMLINK:
		fuzz_sem_gen_symlink(r, op);
		break;
	default:
		break;
	}
}

int fuzz_sem_gen_program(uint64_t seed, size_t n_ops, struct fuzz_sem_prog *p)
{
	struct fuzz_sem_gen_rng r = {seed ? seed : 0x9E3779B97F4A7C15ULL};
	size_t i = 0;

	p->n = 0;
	p->ops = calloc(n_ops ? n_ops : 1, sizeof(*p->ops));
	if (!p->ops)
		return -ENOMEM;
	/* Mix the seed so that neighbouring seeds give unrelated programs. */
	for (int k = 0; k < 4; k++)
		fuzz_sem_gen_next(&r);
	/* A tree to start from, most of the time: files and directories that later steps hit. */
	if (n_ops >= 4 && fuzz_sem_gen_below(&r, 4)) {
		static const enum scn_cmd pre[] = {SCN_MKDIR, SCN_WRITE, SCN_MKDIR, SCN_WRITE};
		static const char *const prep[] = {"d0", "a", "d0/e", "d0/a"};

		for (; i < 4; i++) {
			memset(&p->ops[i], 0, sizeof(p->ops[i]));
			p->ops[i].cmd = pre[i];
			snprintf(p->ops[i].path, sizeof(p->ops[i].path), "%s", prep[i]);
			if (pre[i] == SCN_WRITE)
				fuzz_sem_gen_data(&r, &p->ops[i]);
		}
	}
	for (; i < n_ops; i++)
		fuzz_sem_gen_op(&r, &p->ops[i]);
	p->n = n_ops;
	return 0;
}

void fuzz_sem_gen_free(struct fuzz_sem_prog *p)
{
	free(p->ops);
	p->ops = NULL;
	p->n = 0;
}

__attribute__((format(printf, 2, 0))) static void fuzz_sem_gen_vprintf(struct fuzz_sem_buf *b,
								       const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (b->oom)
		return;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)n + 1;
		char *q = realloc(b->p, cap);

		if (!q) {
			b->oom = 1;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	b->len += (size_t)n;
}

void fuzz_sem_gen_printf(struct fuzz_sem_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fuzz_sem_gen_vprintf(b, fmt, ap);
	va_end(ap);
}

void fuzz_sem_gen_quote(struct fuzz_sem_buf *b, const void *data, size_t len)
{
	const unsigned char *s = data;

	fuzz_sem_gen_printf(b, "\"");
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			fuzz_sem_gen_printf(b, "\\%c", s[i]);
		else if (s[i] >= 0x20 && s[i] < 0x7f)
			fuzz_sem_gen_printf(b, "%c", s[i]);
		else
			fuzz_sem_gen_printf(b, "\\x%02x", s[i]);
	}
	fuzz_sem_gen_printf(b, "\"");
}

void fuzz_sem_gen_path(struct fuzz_sem_buf *b, const char *prefix, const char *path)
{
	char full[2 * FUZZ_SEM_PATH_MAX + 4];
	int n;

	if (!prefix[0])
		n = snprintf(full, sizeof(full), "/%s", path);
	else if (!path[0])
		n = snprintf(full, sizeof(full), "/%s", prefix);
	else
		n = snprintf(full, sizeof(full), "/%s/%s", prefix, path);
	/* Plain words stay plain (readable files); anything else is quoted. */
	if (n > 0 && (size_t)n == strcspn(full, " \t\"#\\") && (size_t)n < sizeof(full)) {
		int plain = 1;

		for (int i = 0; i < n; i++)
			plain =
			    plain && (unsigned char)full[i] > 0x20 && (unsigned char)full[i] < 0x7f;
		if (plain) {
			fuzz_sem_gen_printf(b, "%s", full);
			return;
		}
	}
	fuzz_sem_gen_quote(b, full, strlen(full));
}

void fuzz_sem_gen_render(struct fuzz_sem_buf *b, const struct fuzz_sem_op *op, const char *prefix)
{
	fuzz_sem_gen_printf(b, "%s ", scn_cmd_name(op->cmd));
	if (op->cmd == SCN_REMOUNT) {
		b->len--; /* no argument: drop the blank */
		b->p[b->len] = '\0';
		return;
	}
	if (op->cmd == SCN_SYMLINK) {
		fuzz_sem_gen_quote(b, op->path2, strlen(op->path2));
		fuzz_sem_gen_printf(b, " ");
	}
	fuzz_sem_gen_path(b, prefix, op->path);
	switch (op->cmd) {
	case SCN_RENAME:
		fuzz_sem_gen_printf(b, " ");
		fuzz_sem_gen_path(b, prefix, op->path2);
		break;
	case SCN_PWRITE:
		fuzz_sem_gen_printf(b, " %llu ", (unsigned long long)op->off);
		fuzz_sem_gen_quote(b, op->data, op->data_len);
		break;
	case SCN_WRITE:
	case SCN_APPEND:
	case SCN_HOST_WRITE:
	case SCN_HOST_APPEND:
		fuzz_sem_gen_printf(b, " ");
		fuzz_sem_gen_quote(b, op->data, op->data_len);
		break;
	case SCN_TRUNCATE:
		fuzz_sem_gen_printf(b, " %llu", (unsigned long long)op->off);
		break;
	case SCN_PREAD:
		fuzz_sem_gen_printf(b, " %llu %llu", (unsigned long long)op->off,
				    (unsigned long long)op->len);
		break;
	default:
		break;
	}
}

void fuzz_sem_gen_buf_free(struct fuzz_sem_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
