/* fuse_vfs.c - struct vfs_ops over the FUSE client (ctx = struct scripted_fe *): POSIX
 * semantics of open/read/write/... built from FUSE ops the way Linux's fs/fuse does it
 * (LOOKUP then OPEN or CREATE with O_EXCL; O_TRUNC as SETATTR size 0). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuse_ops.h"
#include "fuse_walk.h"
#include "log.h"
#include "scripted_fe_priv.h"

#define FUSE_VFS_DIRBUF 65536u
#define FUSE_VFS_MAX_READDIRS 100000u /* bound on READDIR round trips for one listing */

static struct scripted_fe_handle *fuse_vfs_handle(struct scripted_fe *fe, uint64_t fh)
{
	if (!fh || fh > SCRIPTED_FE_MAX_HANDLES || !fe->handle[fh - 1].used)
		return NULL;
	return &fe->handle[fh - 1];
}

static struct fuse_walk *fuse_vfs_walk_new(struct scripted_fe *fe)
{
	struct fuse_walk *w = malloc(sizeof(*w));

	if (w)
		fuse_walk_begin(w, &fe->fc);
	return w;
}

static void fuse_vfs_walk_free(struct fuse_walk *w)
{
	fuse_walk_end(w);
	free(w);
}

/* Resolve path; on success the node's type is known (GETATTR when the LOOKUP gave none). */
static int fuse_vfs_resolve(struct scripted_fe *fe, struct fuse_walk *w, const char *path,
			    enum fuse_walk_mode mode, struct fuse_walk_res *res)
{
	int rc = fuse_walk_resolve(w, path, mode, res);

	if (!rc && res->exists && !res->have_attr && mode != FUSE_WALK_PARENT) {
		struct fuse_attr_out a;

		rc = fuse_ops_getattr(&fe->fc, res->nodeid, &a);
		if (!rc) {
			res->attr = a.attr;
			res->have_attr = true;
		}
	}
	return rc;
}

static int fuse_vfs_new_handle(struct scripted_fe *fe, uint64_t nodeid, uint64_t fh, uint32_t flags,
			       bool dir, uint64_t *out)
{
	for (unsigned int i = 0; i < SCRIPTED_FE_MAX_HANDLES; i++) {
		if (fe->handle[i].used)
			continue;
		fe->handle[i] = (struct scripted_fe_handle){true, dir, nodeid, fh, flags};
		*out = i + 1;
		return 0;
	}
	log_err("fuse vfs: more than %u open handles", SCRIPTED_FE_MAX_HANDLES);
	return -EMFILE;
}

/* Open an existing node (O_TRUNC as a SETATTR first, as Linux without atomic_o_trunc). */
static int fuse_vfs_open_existing(struct scripted_fe *fe, struct fuse_walk_res *res, int flags,
				  struct fuse_open_out *o)
{
	int acc = flags & O_ACCMODE;

	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -EEXIST;
	if (S_ISDIR(res->attr.mode) && acc != O_RDONLY)
		return -EISDIR;
	if ((flags & O_TRUNC) && acc != O_RDONLY && S_ISREG(res->attr.mode)) {
		struct fuse_setattr_in in = {.valid = FATTR_SIZE, .size = 0};
		struct fuse_attr_out a;
		int rc = fuse_ops_setattr(&fe->fc, res->nodeid, &in, &a);

		if (rc)
			return rc;
	}
	/* A directory opened for reading (fsync opens read-only) is an OPENDIR handle, as in
	 * Linux: its RELEASEDIR and FSYNCDIR must name a handle of that kind (found by fuzz
	 * semantics: RELEASEDIR of an OPEN handle fails with EBADF). */
	if (S_ISDIR(res->attr.mode))
		return fuse_ops_opendir(&fe->fc, res->nodeid, o);
	return fuse_ops_open(&fe->fc, res->nodeid, (uint32_t)flags, o);
}

static int fuse_vfs_open(void *ctx, const char *path, int flags, uint32_t mode, uint64_t *fh)
{
	struct scripted_fe *fe = ctx;
	struct fuse_walk *w = fuse_vfs_walk_new(fe);
	struct fuse_walk_res res;
	struct fuse_open_out o;
	struct fuse_entry_out e;
	int rc = -ENOMEM;

	/* Two rounds: a name created by the host between our LOOKUP and CREATE is opened. */
	for (int round = 0; w && round < 2; round++) {
		rc = fuse_vfs_resolve(fe, w, path, FUSE_WALK_FOLLOW, &res);
		if (rc)
			break;
		if (res.exists) {
			rc = fuse_vfs_open_existing(fe, &res, flags, &o);
			if (!rc)
				fuse_walk_keep(w, res.nodeid);
			break;
		}
		if (!(flags & O_CREAT)) {
			rc = -ENOENT;
			break;
		}
		/* Always O_EXCL: virtiofsd 7.2 aborts on CREATE of an existing name without it. */
		rc = fuse_ops_create(&fe->fc, res.parent, res.name,
				     ((uint32_t)flags & ~(uint32_t)O_TRUNC) | O_CREAT | O_EXCL,
				     S_IFREG | (mode & 07777), &e, &o);
		if (rc == -EEXIST && !(flags & O_EXCL))
			continue;
		if (!rc)
			res.nodeid = e.nodeid; /* its lookup reference goes to the handle */
		break;
	}
	if (!rc) {
		res.attr.mode = res.exists ? res.attr.mode : S_IFREG;
		rc = fuse_vfs_new_handle(fe, res.nodeid, o.fh, (uint32_t)flags,
					 S_ISDIR(res.attr.mode), fh);
		if (rc) {
			fuse_ops_release(&fe->fc, res.nodeid, o.fh, (uint32_t)flags);
			fuse_walk_hold(w, res.nodeid);
		}
	}
	if (w)
		fuse_vfs_walk_free(w);
	return rc;
}

static ssize_t fuse_vfs_pread(void *ctx, uint64_t fh, void *buf, size_t len, uint64_t off)
{
	struct scripted_fe *fe = ctx;
	struct scripted_fe_handle *h = fuse_vfs_handle(fe, fh);
	size_t done = 0;

	if (!h)
		return -EBADF;
	if (h->dir)
		return -EISDIR; /* Linux's VFS answers read(2) on a directory itself */
	while (done < len) {
		size_t want = len - done;
		ssize_t n = fuse_ops_read(&fe->fc, h->nodeid, h->fh, off + done,
					  (uint8_t *)buf + done, want);

		if (n < 0)
			return done ? (ssize_t)done : n;
		done += (size_t)n;
		/* A short READ is end of file (direct I/O semantics, cache=none). */
		if ((size_t)n < (want < fe->fc.io_max ? want : fe->fc.io_max) || !n)
			break;
	}
	return (ssize_t)done;
}

static ssize_t fuse_vfs_pwrite(void *ctx, uint64_t fh, const void *buf, size_t len, uint64_t off)
{
	struct scripted_fe *fe = ctx;
	struct scripted_fe_handle *h = fuse_vfs_handle(fe, fh);
	size_t done = 0;

	if (!h)
		return -EBADF;
	if (off == VFS_OFF_APPEND) {
		/* The server opened with O_APPEND and appends anyway; the size keeps offsets
		 * honest. */
		struct fuse_attr_out a;
		int rc = fuse_ops_getattr(&fe->fc, h->nodeid, &a);

		if (rc)
			return rc;
		off = a.attr.size;
	}
	while (done < len) {
		ssize_t n = fuse_ops_write(&fe->fc, h->nodeid, h->fh, off + done,
					   (const uint8_t *)buf + done, len - done);

		if (n < 0)
			return done ? (ssize_t)done : n;
		if (!n) {
			log_err("fuse vfs: WRITE at %llu made no progress",
				(unsigned long long)(off + done));
			return done ? (ssize_t)done : -EIO;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static int fuse_vfs_fsync(void *ctx, uint64_t fh)
{
	struct scripted_fe *fe = ctx;
	struct scripted_fe_handle *h = fuse_vfs_handle(fe, fh);

	if (!h)
		return -EBADF;
	if (h->dir)
		return fuse_ops_fsyncdir(&fe->fc, h->nodeid, h->fh);
	return fuse_ops_fsync(&fe->fc, h->nodeid, h->fh);
}

static int fuse_vfs_close(void *ctx, uint64_t fh)
{
	struct scripted_fe *fe = ctx;
	struct scripted_fe_handle *h = fuse_vfs_handle(fe, fh);
	int rc, rc2;

	if (!h)
		return -EBADF;
	if (h->dir) {
		rc = fuse_ops_releasedir(&fe->fc, h->nodeid, h->fh);
	} else {
		/* close(2) on Linux FUSE: FLUSH, then RELEASE when the last reference goes. */
		rc = fuse_ops_flush(&fe->fc, h->nodeid, h->fh);
		if (rc == -ENOSYS)
			rc = 0; /* Linux treats a server without FLUSH as flushed */
		rc2 = fuse_ops_release(&fe->fc, h->nodeid, h->fh, h->flags);
		rc = rc ? rc : rc2;
	}
	fuse_ops_forget(&fe->fc, h->nodeid, 1);
	h->used = false;
	return rc;
}

static int fuse_vfs_lstat(void *ctx, const char *path, struct vfs_stat *st)
{
	struct scripted_fe *fe = ctx;
	struct fuse_walk *w = fuse_vfs_walk_new(fe);
	struct fuse_walk_res res;
	int rc;

	if (!w)
		return -ENOMEM;
	rc = fuse_vfs_resolve(fe, w, path, FUSE_WALK_NOFOLLOW, &res);
	if (!rc && !res.exists)
		rc = -ENOENT;
	if (!rc) {
		st->size = res.attr.size;
		st->mode = res.attr.mode;
		st->nlink = res.attr.nlink;
	}
	fuse_vfs_walk_free(w);
	return rc;
}

static int fuse_vfs_truncate(void *ctx, const char *path, uint64_t size)
{
	struct scripted_fe *fe = ctx;
	struct fuse_walk *w = fuse_vfs_walk_new(fe);
	struct fuse_walk_res res;
	int rc;

	if (!w)
		return -ENOMEM;
	rc = fuse_vfs_resolve(fe, w, path, FUSE_WALK_FOLLOW, &res);
	if (!rc && !res.exists)
		rc = -ENOENT;
	if (!rc && S_ISDIR(res.attr.mode))
		rc = -EISDIR;
	if (!rc) {
		struct fuse_setattr_in in = {.valid = FATTR_SIZE, .size = size};
		struct fuse_attr_out a;

		rc = fuse_ops_setattr(&fe->fc, res.nodeid, &in, &a);
	}
	fuse_vfs_walk_free(w);
	return rc;
}

/* Resolve path's final component without following it. FUSE_WALK_PARENT: parent and name
 * only (not looked up); FUSE_WALK_NOFOLLOW: looked up and required to exist. The root has no
 * name and gets root_err. */
static int fuse_vfs_final(struct scripted_fe *fe, struct fuse_walk *w, const char *path,
			  enum fuse_walk_mode mode, struct fuse_walk_res *res, int root_err)
{
	int rc = fuse_vfs_resolve(fe, w, path, mode, res);

	if (!rc && !res->name[0])
		rc = root_err;
	if (!rc && mode == FUSE_WALK_NOFOLLOW && !res->exists)
		rc = -ENOENT;
	return rc;
}

enum fuse_vfs_nameop { FUSE_VFS_MKDIR, FUSE_VFS_RMDIR, FUSE_VFS_UNLINK, FUSE_VFS_SYMLINK };

/* The operations that act on (parent, name) without following the final component. */
static int fuse_vfs_nameop(struct scripted_fe *fe, enum fuse_vfs_nameop op, const char *path,
			   const char *target, uint32_t mode)
{
	static const int root_err[] = {-EEXIST, -EBUSY, -EISDIR, -EEXIST};
	struct fuse_walk *w = fuse_vfs_walk_new(fe);
	struct fuse_walk_res res;
	struct fuse_entry_out e;
	int rc;

	if (!w)
		return -ENOMEM;
	/* virtiofsd resolves the victim of RMDIR/UNLINK in its own inode table, so it must have
	 * been looked up (and stay referenced) first, as the Linux VFS always does: else EIO. */
	rc = fuse_vfs_final(fe, w, path,
			    op == FUSE_VFS_RMDIR || op == FUSE_VFS_UNLINK ? FUSE_WALK_NOFOLLOW
									  : FUSE_WALK_PARENT,
			    &res, root_err[op]);
	if (!rc) {
		switch (op) {
		case FUSE_VFS_MKDIR:
			rc = fuse_ops_mkdir(&fe->fc, res.parent, res.name, mode & 07777, &e);
			break;
		case FUSE_VFS_SYMLINK:
			rc = fuse_ops_symlink(&fe->fc, res.parent, res.name, target, &e);
			break;
		case FUSE_VFS_RMDIR:
			rc = fuse_ops_rmdir(&fe->fc, res.parent, res.name);
			break;
		case FUSE_VFS_UNLINK:
			rc = fuse_ops_unlink(&fe->fc, res.parent, res.name);
			break;
		}
		if (!rc && (op == FUSE_VFS_MKDIR || op == FUSE_VFS_SYMLINK))
			fuse_walk_hold(w, e.nodeid);
	}
	fuse_vfs_walk_free(w);
	return rc;
}

static int fuse_vfs_mkdir(void *ctx, const char *path, uint32_t mode)
{
	return fuse_vfs_nameop(ctx, FUSE_VFS_MKDIR, path, NULL, mode);
}

static int fuse_vfs_rmdir(void *ctx, const char *path)
{
	return fuse_vfs_nameop(ctx, FUSE_VFS_RMDIR, path, NULL, 0);
}

static int fuse_vfs_unlink(void *ctx, const char *path)
{
	return fuse_vfs_nameop(ctx, FUSE_VFS_UNLINK, path, NULL, 0);
}

static int fuse_vfs_symlink(void *ctx, const char *target, const char *path)
{
	return fuse_vfs_nameop(ctx, FUSE_VFS_SYMLINK, path, target, 0);
}

static int fuse_vfs_rename(void *ctx, const char *oldpath, const char *newpath)
{
	struct scripted_fe *fe = ctx;
	struct fuse_walk *w = fuse_vfs_walk_new(fe);
	struct fuse_walk_res *a = malloc(2 * sizeof(*a)), *b = a + 1;
	int rc = -ENOMEM;

	if (w && a) {
		/* Both ends looked up first, as the Linux VFS does (virtiofsd needs the inodes),
		 * and in its order: both parents' walks, then the root checks, then the old
		 * name's existence - a missing old name under a file as the new parent is
		 * ENOTDIR, not ENOENT (found by fuzz semantics). */
		rc = fuse_vfs_resolve(fe, w, oldpath, FUSE_WALK_NOFOLLOW, a);
		rc = rc ? rc : fuse_vfs_resolve(fe, w, newpath, FUSE_WALK_NOFOLLOW, b);
		rc = rc ? rc : (a->name[0] && b->name[0] ? 0 : -EBUSY);
		rc = rc ? rc : (a->exists ? 0 : -ENOENT);
		rc = rc ? rc : fuse_ops_rename(&fe->fc, a->parent, a->name, b->parent, b->name);
	}
	if (w)
		fuse_vfs_walk_free(w);
	free(a);
	return rc;
}

static ssize_t fuse_vfs_readlink(void *ctx, const char *path, char *buf, size_t size)
{
	struct scripted_fe *fe = ctx;
	struct fuse_walk *w = fuse_vfs_walk_new(fe);
	struct fuse_walk_res res;
	ssize_t rc;

	if (!w)
		return -ENOMEM;
	rc = fuse_vfs_resolve(fe, w, path, FUSE_WALK_NOFOLLOW, &res);
	if (!rc && !res.exists)
		rc = -ENOENT;
	if (!rc && !S_ISLNK(res.attr.mode))
		rc = -EINVAL;
	if (!rc) {
		/* readlink(2) truncates to the buffer; read into the walk's scratch first. */
		rc = fuse_ops_readlink(&fe->fc, res.nodeid, w->tmp, sizeof(w->tmp));
		if (rc > 0) {
			if ((size_t)rc > size)
				rc = (ssize_t)size;
			memcpy(buf, w->tmp, (size_t)rc);
		}
	}
	fuse_vfs_walk_free(w);
	return rc;
}

/* Hand one READDIR reply's names to fn; *off becomes the last record's offset. */
static int fuse_vfs_dirents(const uint8_t *buf, size_t len, uint64_t *off, vfs_dirent_fn fn,
			    void *arg, bool *stop)
{
	struct fuse_msg_dirent d;
	char name[FUSE_MSG_NAME_MAX + 1], why[160];
	size_t pos = 0;
	int rc;

	while ((rc = fuse_msg_dirent_next(buf, len, &pos, &d, why, sizeof(why))) == 1) {
		*off = d.off;
		memcpy(name, d.name, d.namelen);
		name[d.namelen] = '\0';
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (fn(arg, name)) {
			*stop = true;
			return 0;
		}
	}
	if (rc < 0)
		log_err("fuse vfs: malformed READDIR reply: %s", why);
	return rc;
}

static int fuse_vfs_readdir_all(struct scripted_fe *fe, uint64_t nodeid, uint64_t fh,
				vfs_dirent_fn fn, void *arg)
{
	uint8_t *buf = malloc(FUSE_VFS_DIRBUF);
	uint64_t off = 0;
	bool stop = false;
	int rc = -ENOMEM;

	for (unsigned int i = 0; buf && i < FUSE_VFS_MAX_READDIRS; i++) {
		uint64_t prev = off;
		ssize_t n = fuse_ops_readdir(&fe->fc, nodeid, fh, off, buf, FUSE_VFS_DIRBUF);

		rc = n < 0 ? (int)n : 0;
		if (n <= 0)
			break;
		rc = fuse_vfs_dirents(buf, (size_t)n, &off, fn, arg, &stop);
		if (rc || stop)
			break;
		if (off == prev) {
			log_err("fuse vfs: READDIR at offset %llu did not advance",
				(unsigned long long)off);
			rc = -EPROTO;
			break;
		}
		rc = i + 1 == FUSE_VFS_MAX_READDIRS ? -E2BIG : 0;
	}
	free(buf);
	return rc;
}

static int fuse_vfs_list(void *ctx, const char *path, vfs_dirent_fn fn, void *arg)
{
	struct scripted_fe *fe = ctx;
	struct fuse_walk *w = fuse_vfs_walk_new(fe);
	struct fuse_walk_res res;
	struct fuse_open_out o;
	int rc, rc2;

	if (!w)
		return -ENOMEM;
	rc = fuse_vfs_resolve(fe, w, path, FUSE_WALK_FOLLOW, &res);
	if (!rc && !res.exists)
		rc = -ENOENT;
	if (!rc && !S_ISDIR(res.attr.mode))
		rc = -ENOTDIR;
	rc = rc ? rc : fuse_ops_opendir(&fe->fc, res.nodeid, &o);
	if (!rc) {
		rc = fuse_vfs_readdir_all(fe, res.nodeid, o.fh, fn, arg);
		rc2 = fuse_ops_releasedir(&fe->fc, res.nodeid, o.fh);
		rc = rc ? rc : rc2;
	}
	fuse_vfs_walk_free(w);
	return rc;
}

const struct vfs_ops fuse_vfs_ops = {
    .name = "fuse",
    .open = fuse_vfs_open,
    .pread = fuse_vfs_pread,
    .pwrite = fuse_vfs_pwrite,
    .fsync = fuse_vfs_fsync,
    .close = fuse_vfs_close,
    .lstat = fuse_vfs_lstat,
    .truncate = fuse_vfs_truncate,
    .mkdir = fuse_vfs_mkdir,
    .rmdir = fuse_vfs_rmdir,
    .unlink = fuse_vfs_unlink,
    .rename = fuse_vfs_rename,
    .symlink = fuse_vfs_symlink,
    .readlink = fuse_vfs_readlink,
    .list = fuse_vfs_list,
};
