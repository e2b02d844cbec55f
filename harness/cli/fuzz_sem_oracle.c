/* fuzz_sem_oracle.c - the oracle of `fuzz semantics`: a program's steps run with POSIX calls on
 * a host directory (posix_vfs, frontend steps unconfined as a Linux guest's own mount resolves
 * them, host steps confined as the stack's host worker does) and written back as scenario text
 * carrying what happened, so any executor's run of that text compares every step's outcome. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_sem.h"
#include "posix_vfs.h"

/* The first error a step's vfs calls returned: the errno a `fail` wrapper must name. */
struct fuzz_sem_oracle_shim {
	const struct vfs_ops *o;
	void *c;
	int err;
};

static int fuzz_sem_oracle_note(struct fuzz_sem_oracle_shim *s, int rc)
{
	if (rc < 0 && !s->err)
		s->err = rc;
	return rc;
}

static int fuzz_sem_oracle_open(void *ctx, const char *path, int flags, uint32_t mode, uint64_t *fh)
{
	struct fuzz_sem_oracle_shim *s = ctx;

	return fuzz_sem_oracle_note(s, s->o->open(s->c, path, flags, mode, fh));
}

static ssize_t fuzz_sem_oracle_pwrite(void *ctx, uint64_t fh, const void *buf, size_t len,
				      uint64_t off)
{
	struct fuzz_sem_oracle_shim *s = ctx;
	ssize_t n = s->o->pwrite(s->c, fh, buf, len, off);

	if (n < 0)
		fuzz_sem_oracle_note(s, (int)n);
	return n;
}

static ssize_t fuzz_sem_oracle_pread(void *ctx, uint64_t fh, void *buf, size_t len, uint64_t off)
{
	struct fuzz_sem_oracle_shim *s = ctx;
	ssize_t n = s->o->pread(s->c, fh, buf, len, off);

	if (n < 0)
		fuzz_sem_oracle_note(s, (int)n);
	return n;
}

static int fuzz_sem_oracle_fsync(void *ctx, uint64_t fh)
{
	struct fuzz_sem_oracle_shim *s = ctx;

	return fuzz_sem_oracle_note(s, s->o->fsync(s->c, fh));
}

static int fuzz_sem_oracle_close(void *ctx, uint64_t fh)
{
	struct fuzz_sem_oracle_shim *s = ctx;

	return fuzz_sem_oracle_note(s, s->o->close(s->c, fh));
}

static int fuzz_sem_oracle_truncate(void *ctx, const char *path, uint64_t size)
{
	struct fuzz_sem_oracle_shim *s = ctx;

	return fuzz_sem_oracle_note(s, s->o->truncate(s->c, path, size));
}

static int fuzz_sem_oracle_mkdir(void *ctx, const char *path, uint32_t mode)
{
	struct fuzz_sem_oracle_shim *s = ctx;

	return fuzz_sem_oracle_note(s, s->o->mkdir(s->c, path, mode));
}

static int fuzz_sem_oracle_rmdir(void *ctx, const char *path)
{
	struct fuzz_sem_oracle_shim *s = ctx;

	return fuzz_sem_oracle_note(s, s->o->rmdir(s->c, path));
}

static int fuzz_sem_oracle_unlink(void *ctx, const char *path)
{
	struct fuzz_sem_oracle_shim *s = ctx;

	return fuzz_sem_oracle_note(s, s->o->unlink(s->c, path));
}

static int fuzz_sem_oracle_rename(void *ctx, const char *a, const char *b)
{
	struct fuzz_sem_oracle_shim *s = ctx;

	return fuzz_sem_oracle_note(s, s->o->rename(s->c, a, b));
}

static int fuzz_sem_oracle_symlink(void *ctx, const char *target, const char *path)
{
	struct fuzz_sem_oracle_shim *s = ctx;

	return fuzz_sem_oracle_note(s, s->o->symlink(s->c, target, path));
}

static const struct vfs_ops fuzz_sem_oracle_shim_ops = {
    .name = "oracle",
    .open = fuzz_sem_oracle_open,
    .pread = fuzz_sem_oracle_pread,
    .pwrite = fuzz_sem_oracle_pwrite,
    .fsync = fuzz_sem_oracle_fsync,
    .close = fuzz_sem_oracle_close,
    .truncate = fuzz_sem_oracle_truncate,
    .mkdir = fuzz_sem_oracle_mkdir,
    .rmdir = fuzz_sem_oracle_rmdir,
    .unlink = fuzz_sem_oracle_unlink,
    .rename = fuzz_sem_oracle_rename,
    .symlink = fuzz_sem_oracle_symlink,
};

/* Read max bytes (or to EOF) at off through a FOLLOW open, as the read steps do. */
static int fuzz_sem_oracle_read(const struct vfs_ops *o, void *c, const char *path, uint64_t off,
				uint64_t max, unsigned char *buf, size_t *got)
{
	uint64_t fh;
	ssize_t n = 0;
	int rc = o->open(c, path, O_RDONLY, 0, &fh);

	*got = 0;
	if (rc < 0)
		return rc;
	while (*got < max) {
		n = o->pread(c, fh, buf + *got, (size_t)(max - *got), off + *got);
		if (n <= 0)
			break;
		*got += (size_t)n;
	}
	rc = o->close(c, fh);
	return n < 0 ? (int)n : rc;
}

struct fuzz_sem_oracle_names {
	char *v[64];
	size_t n;
};

static int fuzz_sem_oracle_name(void *arg, const char *name)
{
	struct fuzz_sem_oracle_names *l = arg;

	if (l->n == 64)
		return 1;
	l->v[l->n] = strdup(name);
	return l->v[l->n++] ? 0 : 1;
}

static int fuzz_sem_oracle_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append " NAME..." (sorted: the text is then the same on every run); 0 or -errno. */
static int fuzz_sem_oracle_list(const struct vfs_ops *o, void *c, const char *path,
				struct fuzz_sem_buf *out)
{
	struct fuzz_sem_oracle_names l = {.n = 0};
	int rc = o->list(c, path, fuzz_sem_oracle_name, &l);

	if (rc >= 0 && l.n == 64)
		rc = -E2BIG;
	qsort(l.v, l.n, sizeof(l.v[0]), fuzz_sem_oracle_strcmp);
	for (size_t i = 0; i < l.n; i++) {
		if (rc >= 0) {
			fuzz_sem_gen_printf(out, " ");
			fuzz_sem_gen_quote(out, l.v[i], strlen(l.v[i]));
		}
		free(l.v[i]);
	}
	return rc < 0 ? rc : 0;
}

static void fuzz_sem_oracle_stat_fields(struct fuzz_sem_buf *out, const struct vfs_stat *vs)
{
	const char *t = S_ISDIR(vs->mode) ? "dir" : S_ISLNK(vs->mode) ? "symlink" : "file";

	fuzz_sem_gen_printf(out, " type %s mode %o", t, (unsigned int)(vs->mode & 07777));
	/* A directory's size is the file system's business; the format leaves it open. */
	if (!S_ISDIR(vs->mode))
		fuzz_sem_gen_printf(out, " size %llu", (unsigned long long)vs->size);
}

/* An observing step: its outcome appended after its text (line already holds the text with
 * its command word and path). Returns 0, or -errno when the observation itself failed. */
static int fuzz_sem_oracle_observe(const struct vfs_ops *o, void *c, const struct scn_step *st,
				   struct fuzz_sem_buf *out)
{
	static unsigned char buf[FUZZ_SEM_SIZE_MAX + 2 * FUZZ_SEM_DATA_MAX + 8192];
	struct vfs_stat vs = {0};
	char target[256];
	size_t got;
	ssize_t n;
	int rc;

	switch (st->cmd) {
	case SCN_READ:
	case SCN_HOST_READ:
	case SCN_PREAD:
		rc = fuzz_sem_oracle_read(o, c, st->path, st->cmd == SCN_PREAD ? st->offset : 0,
					  st->cmd == SCN_PREAD ? st->len : sizeof(buf), buf, &got);
		if (rc == 0 && st->cmd != SCN_PREAD && got == sizeof(buf))
			rc = -EFBIG; /* bigger than the generator makes files */
		if (rc == 0) {
			fuzz_sem_gen_printf(out, " ");
			fuzz_sem_gen_quote(out, buf, got);
		}
		return rc;
	case SCN_STAT:
	case SCN_HOST_STAT:
		rc = o->lstat(c, st->path, &vs);
		if (rc == 0)
			fuzz_sem_oracle_stat_fields(out, &vs);
		return rc;
	case SCN_LIST:
	case SCN_HOST_LIST:
		return fuzz_sem_oracle_list(o, c, st->path, out);
	case SCN_READLINK:
		n = o->readlink(c, st->path, target, sizeof(target));
		if (n >= 0) {
			fuzz_sem_gen_printf(out, " ");
			fuzz_sem_gen_quote(out, target, (size_t)n);
		}
		return n < 0 ? (int)n : 0;
	default:
		return -EINVAL;
	}
}

static int fuzz_sem_oracle_observing(enum scn_cmd c)
{
	return c == SCN_READ || c == SCN_PREAD || c == SCN_STAT || c == SCN_LIST ||
	       c == SCN_READLINK || c == SCN_HOST_READ || c == SCN_HOST_STAT || c == SCN_HOST_LIST;
}

/* Render op's step with its outcome on the oracle into out (a line with newline). */
static void fuzz_sem_oracle_step(struct posix_vfs *fe, struct posix_vfs *host,
				 const struct fuzz_sem_op *op, const char *prefix,
				 struct fuzz_sem_buf *out)
{
	struct fuzz_sem_buf line = {0}, obs = {0};
	struct scn_step st;
	char err[256];
	int host_side = op->cmd >= SCN_HOST_WRITE && op->cmd <= SCN_HOST_ABSENT, rc;
	void *ctx = host_side ? (void *)host : (void *)fe;
	const char *en;

	fuzz_sem_gen_render(&line, op, prefix);
	if (line.oom || op->cmd == SCN_REMOUNT) {
		if (!line.oom)
			fuzz_sem_gen_printf(out, "%s\n", line.p);
		goto out;
	}
	/* The parser wants a TARGET or DATA: a placeholder, replaced by what the oracle sees. */
	if (op->cmd == SCN_READLINK)
		fuzz_sem_gen_printf(&line, " x");
	else if (op->cmd == SCN_HOST_READ)
		fuzz_sem_gen_printf(&line, " \"\"");
	if (scn_parse_step("oracle", 1, line.p, line.len, &st, err, sizeof(err)))
		goto out;
	if (fuzz_sem_oracle_observing(op->cmd)) {
		/* the command word and path again, then what the oracle saw */
		fuzz_sem_gen_printf(&obs, "%s ", scn_cmd_name(op->cmd));
		fuzz_sem_gen_path(&obs, prefix, op->path);
		if (op->cmd == SCN_PREAD)
			fuzz_sem_gen_printf(&obs, " %llu %llu", (unsigned long long)op->off,
					    (unsigned long long)op->len);
		rc = fuzz_sem_oracle_observe(&posix_vfs_ops, ctx, &st, &obs);
	} else {
		struct fuzz_sem_oracle_shim sh = {&posix_vfs_ops, ctx, 0};

		rc = scn_exec_step(&st, &fuzz_sem_oracle_shim_ops, &sh, err, sizeof(err));
		if (rc)
			rc = sh.err ? sh.err : -EIO;
		fuzz_sem_gen_printf(&obs, "%s", line.p);
	}
	en = scn_errno_name(rc);
	if (rc == 0)
		fuzz_sem_gen_printf(out, "%s\n", obs.p);
	else if (host_side && rc == -ENOENT && op->cmd == SCN_HOST_READ &&
		 posix_vfs_ops.lstat(host, st.path, &(struct vfs_stat){0}) == -ENOENT) {
		/* absent, not a dangling link: the one failed host read the language can say */
		fuzz_sem_gen_printf(out, "host-absent ");
		fuzz_sem_gen_path(out, prefix, op->path);
		fuzz_sem_gen_printf(out, "\n");
	} else if (!host_side && en) /* readlink's placeholder target is as good as any */
		fuzz_sem_gen_printf(out, "fail %s %s\n", en, line.p);
	/* else: a failing host step or an errno without a name stays out of the program */
	scn_parse_step_free(&st);
out:
	fuzz_sem_gen_buf_free(&line);
	fuzz_sem_gen_buf_free(&obs);
}

int fuzz_sem_oracle_run(const char *root, const char *prefix, const struct fuzz_sem_prog *p,
			const unsigned char *keep, struct fuzz_sem_buf *out)
{
	struct posix_vfs fe, host;
	char pp[FUZZ_SEM_PATH_MAX + 2];
	/* At the root itself (a finding's saved form) a `..` in a link would leave root on the
	 * host: resolve beneath it then, as the scripted frontend and virtiofsd do. */
	int rc = prefix[0] ? posix_vfs_open(&fe, root) : posix_vfs_open_confined(&fe, root);

	if (rc)
		return rc;
	rc = posix_vfs_open_confined(&host, root);
	if (rc) {
		posix_vfs_close(&fe);
		return rc;
	}
	if (prefix[0]) {
		snprintf(pp, sizeof(pp), "/%s", prefix);
		rc = posix_vfs_ops.mkdir(&fe, pp, 0755);
		fuzz_sem_gen_printf(out, "mkdir %s\n", pp);
	}
	for (size_t i = 0; rc == 0 && i < p->n; i++)
		if (!keep || keep[i])
			fuzz_sem_oracle_step(&fe, &host, &p->ops[i], prefix, out);
	posix_vfs_close(&host);
	posix_vfs_close(&fe);
	if (rc == 0 && out->oom)
		rc = -ENOMEM;
	return rc;
}

int fuzz_sem_oracle_check(const char *root, const char *text, size_t len, char *why, size_t whylen)
{
	struct posix_vfs fe, host;
	struct scn_file f;
	int rc = scn_file_parse("oracle-check", text, len, &f, why, whylen);

	if (rc)
		return rc;
	/* Confined: a text may come from a program at root (see fuzz_sem_oracle_run); under a
	 * prefix no link reaches past root, so nothing else changes. */
	rc = posix_vfs_open_confined(&fe, root);
	if (rc == 0 && (rc = posix_vfs_open_confined(&host, root)))
		posix_vfs_close(&fe);
	for (size_t i = 0; rc == 0 && i < f.n_steps; i++) {
		enum scn_side side = scn_cmd_step_side(&f.steps[i]);

		if (side == SCN_SIDE_CONTROL)
			continue;
		if (scn_exec_step(&f.steps[i], &posix_vfs_ops,
				  side == SCN_SIDE_HOST ? (void *)&host : (void *)&fe, why, whylen))
			rc = (int)i + 1;
	}
	if (rc >= 0) {
		posix_vfs_close(&host);
		posix_vfs_close(&fe);
	}
	scn_file_free(&f);
	return rc;
}
