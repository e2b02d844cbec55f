/* scn_exec.c - the meaning of each scenario step over a vfs_ops: dispatch by command, the
 * simple namespace steps, and `fail ERRNO` (the step must fail with exactly that errno). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scn_exec.h"
#include "scn_internal.h"

int scn_exec_fail(struct scn_x *x, int rc, const char *call, const char *path)
{
	char q[96];

	if (rc >= 0)
		return 0;
	scn_fmt_quote(q, sizeof(q), path, strlen(path), 64);
	snprintf(x->what, sizeof(x->what), "%s %s", call, q);
	return rc;
}

static int scn_exec_truncate(struct scn_x *x, const struct scn_step *st)
{
	int rc = x->ops->truncate ? x->ops->truncate(x->ctx, st->path, st->number) : -ENOSYS;

	return scn_exec_fail(x, rc, "truncate", st->path);
}

static int scn_exec_mkdir(struct scn_x *x, const struct scn_step *st)
{
	int rc = x->ops->mkdir ? x->ops->mkdir(x->ctx, st->path, 0755) : -ENOSYS;

	return scn_exec_fail(x, rc, "mkdir", st->path);
}

static int scn_exec_rmdir(struct scn_x *x, const struct scn_step *st)
{
	int rc = x->ops->rmdir ? x->ops->rmdir(x->ctx, st->path) : -ENOSYS;

	return scn_exec_fail(x, rc, "rmdir", st->path);
}

static int scn_exec_unlink(struct scn_x *x, const struct scn_step *st)
{
	int rc = x->ops->unlink ? x->ops->unlink(x->ctx, st->path) : -ENOSYS;

	return scn_exec_fail(x, rc, "unlink", st->path);
}

static int scn_exec_rename(struct scn_x *x, const struct scn_step *st)
{
	int rc = x->ops->rename ? x->ops->rename(x->ctx, st->path, st->path2) : -ENOSYS;
	char call[128], q[96];

	/* name both ends: "rename "/a" to "/b"" */
	scn_fmt_quote(q, sizeof(q), st->path, strlen(st->path), 48);
	snprintf(call, sizeof(call), "rename %s to", q);
	return scn_exec_fail(x, rc, call, st->path2);
}

static int scn_exec_symlink(struct scn_x *x, const struct scn_step *st)
{
	int rc = x->ops->symlink ? x->ops->symlink(x->ctx, st->path2, st->path) : -ENOSYS;

	return scn_exec_fail(x, rc, "symlink", st->path);
}

/* Host steps mean the same as their frontend twins, on the vfs the caller gives. */
static const scn_exec_fn scn_exec_table[SCN_CMD_COUNT] = {
    [SCN_WRITE] = scn_exec_io_write,
    [SCN_APPEND] = scn_exec_io_write,
    [SCN_PWRITE] = scn_exec_io_write,
    [SCN_READ] = scn_exec_io_read,
    [SCN_PREAD] = scn_exec_io_read,
    [SCN_TRUNCATE] = scn_exec_truncate,
    [SCN_STAT] = scn_exec_meta_stat,
    [SCN_MKDIR] = scn_exec_mkdir,
    [SCN_RMDIR] = scn_exec_rmdir,
    [SCN_UNLINK] = scn_exec_unlink,
    [SCN_RENAME] = scn_exec_rename,
    [SCN_SYMLINK] = scn_exec_symlink,
    [SCN_READLINK] = scn_exec_meta_readlink,
    [SCN_LIST] = scn_exec_meta_list,
    [SCN_FSYNC] = scn_exec_io_fsync,
    [SCN_HOST_WRITE] = scn_exec_io_write,
    [SCN_HOST_APPEND] = scn_exec_io_write,
    [SCN_HOST_READ] = scn_exec_io_read,
    [SCN_HOST_MKDIR] = scn_exec_mkdir,
    [SCN_HOST_UNLINK] = scn_exec_unlink,
    [SCN_HOST_STAT] = scn_exec_meta_stat,
    [SCN_HOST_LIST] = scn_exec_meta_list,
    [SCN_HOST_ABSENT] = scn_exec_meta_absent,
};

static const char *scn_exec_errname(int err, char *buf, size_t len)
{
	const char *n = scn_errno_name(err);

	if (n)
		return n;
	snprintf(buf, len, "errno %d", err < 0 ? -err : err);
	return buf;
}

/* Turn a handler's result into pass (0) or fail (-1 with why), honouring `fail ERRNO`. */
static int scn_exec_verdict(const struct scn_step *st, struct scn_x *x, int rc)
{
	char eb[2][24];

	if (!st->fail_errno) {
		if (rc < 0)
			snprintf(x->why, x->whylen, "%s: %s (%s)", x->what,
				 scn_exec_errname(rc, eb[0], sizeof(eb[0])), strerror(-rc));
		return rc ? -1 : 0;
	}
	if (rc < 0 && -rc == st->fail_errno)
		return 0;
	if (rc < 0)
		snprintf(x->why, x->whylen, "expected %s, got %s from %s",
			 scn_exec_errname(st->fail_errno, eb[0], sizeof(eb[0])),
			 scn_exec_errname(rc, eb[1], sizeof(eb[1])), x->what);
	else
		snprintf(x->why, x->whylen, "expected %s, step succeeded",
			 scn_exec_errname(st->fail_errno, eb[0], sizeof(eb[0])));
	return -1;
}

int scn_exec_step(const struct scn_step *st, const struct vfs_ops *ops, void *ctx, char *why,
		  size_t whylen)
{
	char scratch[8];
	struct scn_x x = {.ops = ops, .ctx = ctx, .why = why, .whylen = whylen};
	scn_exec_fn fn = (unsigned int)st->cmd < SCN_CMD_COUNT ? scn_exec_table[st->cmd] : NULL;

	if (!why || whylen == 0) {
		x.why = scratch;
		x.whylen = sizeof(scratch);
	}
	x.why[0] = '\0';
	if (!fn) {
		snprintf(x.why, x.whylen, "%s: not executable here (a control step)",
			 scn_cmd_name(st->cmd));
		return -1;
	}
	return scn_exec_verdict(st, &x, fn(&x, st));
}
