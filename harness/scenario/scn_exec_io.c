/* scn_exec_io.c - the data steps: write, append, pwrite (and host-write/-append), read,
 * pread (and host-read), fsync. Data moves in 1 MiB chunks through a vfs handle, so large
 * files work and a short read or write is continued, never mistaken for the end. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "scn_exec.h"

/* A read without DATA stops here: a file system that never reports EOF fails the step. */
#define SCN_EXEC_READ_MAX (16ull << 30)

static int scn_exec_open(struct scn_x *x, const char *path, int flags, uint64_t *fh)
{
	if (!x->ops->open)
		return scn_exec_fail(x, -ENOSYS, "open", path);
	return scn_exec_fail(x, x->ops->open(x->ctx, path, flags, 0644, fh), "open", path);
}

/* Close fh; a close error fails the step unless an earlier error already did. */
static int scn_exec_close(struct scn_x *x, uint64_t fh, const char *path, int rc)
{
	int crc = x->ops->close ? x->ops->close(x->ctx, fh) : -ENOSYS;

	if (rc == 0 && crc < 0)
		return scn_exec_fail(x, crc, "close", path);
	return rc;
}

static int scn_exec_put(struct scn_x *x, uint64_t fh, const char *path, uint64_t off,
			const unsigned char *data, size_t len)
{
	size_t done = 0, chunk;
	ssize_t n;

	if (!x->ops->pwrite && len)
		return scn_exec_fail(x, -ENOSYS, "write", path);
	while (done < len) {
		chunk = len - done < SCN_EXEC_CHUNK ? len - done : SCN_EXEC_CHUNK;
		n = x->ops->pwrite(x->ctx, fh, data + done, chunk,
				   off == VFS_OFF_APPEND ? VFS_OFF_APPEND : off + done);
		if (n < 0)
			return scn_exec_fail(x, (int)n, "write", path);
		/* progress is guaranteed: 0 or more than asked is a broken file system */
		if (n == 0 || (size_t)n > chunk)
			return scn_exec_fail(
			    x, -EIO, n ? "write (returned more than asked)" : "write (returned 0)",
			    path);
		done += (size_t)n;
	}
	return 0;
}

int scn_exec_io_write(struct scn_x *x, const struct scn_step *st)
{
	int flags = O_WRONLY | O_CREAT, rc;
	uint64_t off = 0, fh;

	if (st->cmd == SCN_WRITE || st->cmd == SCN_HOST_WRITE)
		flags |= O_TRUNC;
	else if (st->cmd == SCN_APPEND || st->cmd == SCN_HOST_APPEND) {
		flags |= O_APPEND;
		off = VFS_OFF_APPEND;
	} else
		off = st->offset;
	rc = scn_exec_open(x, st->path, flags, &fh);
	if (rc)
		return rc;
	rc = scn_exec_put(x, fh, st->path, off, st->data, st->data_len);
	return scn_exec_close(x, fh, st->path, rc);
}

/* Read from off until EOF or max bytes into the comparison; *eof says which. */
static int scn_exec_get(struct scn_x *x, uint64_t fh, const char *path, uint64_t off, uint64_t max,
			struct scn_cmp *cmp, int *eof)
{
	unsigned char *buf;
	uint64_t done = 0;
	size_t want;
	ssize_t n = 0;

	*eof = 0;
	if (!x->ops->pread)
		return scn_exec_fail(x, -ENOSYS, "read", path);
	buf = malloc(SCN_EXEC_CHUNK);
	if (!buf)
		return scn_exec_fail(x, -ENOMEM, "read buffer for", path);
	while (done < max) {
		want = max - done < SCN_EXEC_CHUNK ? (size_t)(max - done) : SCN_EXEC_CHUNK;
		n = x->ops->pread(x->ctx, fh, buf, want, off + done);
		if (n <= 0 || (size_t)n > want)
			break;
		scn_cmp_feed(cmp, buf, (size_t)n);
		done += (size_t)n;
	}
	free(buf);
	if (n < 0)
		return scn_exec_fail(x, (int)n, "read", path);
	if (n > 0 && (size_t)n > want)
		return scn_exec_fail(x, -EIO, "read (returned more than asked)", path);
	*eof = n == 0;
	return 0;
}

int scn_exec_io_read(struct scn_x *x, const struct scn_step *st)
{
	struct scn_cmp cmp = {.exp = st->has_data ? st->data : NULL, .exp_len = st->data_len};
	uint64_t off = 0, max = SCN_EXEC_READ_MAX, fh;
	int rc, eof;

	if (st->cmd == SCN_PREAD) {
		off = st->offset;
		max = st->len;
	} else if (st->has_data) {
		/* a little past DATA is enough to tell "longer" and show what follows */
		max = (uint64_t)st->data_len + SCN_EXEC_CHUNK;
	}
	rc = scn_exec_open(x, st->path, O_RDONLY, &fh);
	if (rc)
		return rc;
	rc = scn_exec_get(x, fh, st->path, off, max, &cmp, &eof);
	if (rc == 0 && st->cmd != SCN_PREAD && !eof && !st->has_data) {
		snprintf(x->why, x->whylen, "no end of file after %llu bytes",
			 (unsigned long long)cmp.got);
		rc = SCN_EXEC_MISMATCH;
	}
	if (rc == 0)
		rc = scn_cmp_result(&cmp, st->cmd != SCN_PREAD && !eof, x->why, x->whylen);
	return scn_exec_close(x, fh, st->path, rc);
}

int scn_exec_io_fsync(struct scn_x *x, const struct scn_step *st)
{
	uint64_t fh;
	int rc;

	/* Linux fsyncs a file opened read-only, and a read-only open needs no write bit */
	rc = scn_exec_open(x, st->path, O_RDONLY, &fh);
	if (rc)
		return rc;
	rc = x->ops->fsync ? x->ops->fsync(x->ctx, fh) : -ENOSYS;
	if (rc > 0)
		rc = 0;
	return scn_exec_close(x, fh, st->path, scn_exec_fail(x, rc, "fsync", st->path));
}
