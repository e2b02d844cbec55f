/* posix_vfs.c - vfs_ops over POSIX *at() calls relative to a root directory fd: host steps
 * run on the shared directory with it (confined: nothing resolves outside it, confine.c), and
 * the QEMU guest agent runs frontend steps on its mount. Only regular files and directories
 * are ever opened for data. Modes are set explicitly (fchmod) so the umask never changes them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confine.h"
#include "posix_vfs.h"

/* Bounds a directory walk so a hostile or runaway directory cannot hang a step. */
#define POSIX_VFS_LIST_MAX 1000000u

static struct posix_vfs *posix_vfs_of(void *ctx)
{
	return ctx;
}

/* Share-absolute "/a/b" -> "a/b" for *at(); "/" -> ".". Anything else is refused. */
static const char *posix_vfs_rel(const char *path)
{
	if (!path || path[0] != '/')
		return NULL;
	return path[1] ? path + 1 : ".";
}

static int posix_vfs_root(struct posix_vfs *pv, const char *root, int confined)
{
	pv->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	pv->confined = confined;
	pv->refused[0] = '\0';
	return pv->root_fd < 0 ? -errno : 0;
}

int posix_vfs_open(struct posix_vfs *pv, const char *root)
{
	return posix_vfs_root(pv, root, 0);
}

int posix_vfs_open_confined(struct posix_vfs *pv, const char *root)
{
	return posix_vfs_root(pv, root, 1);
}

void posix_vfs_close(struct posix_vfs *pv)
{
	if (pv->root_fd >= 0)
		close(pv->root_fd);
	pv->root_fd = -1;
}

/* Every open of a path goes through here: beneath the root when confined. */
static int posix_vfs_openat(struct posix_vfs *pv, const char *rel, int flags, mode_t mode)
{
	int fd;

	if (pv->confined)
		return confine_open(pv->root_fd, rel, flags | O_CLOEXEC, mode);
	fd = openat(pv->root_fd, rel, flags | O_CLOEXEC, mode);
	return fd < 0 ? -errno : fd;
}

/* The directory that holds rel's final component (*last), for the calls that name an entry
 * rather than open it (mkdir, unlink, rename, symlink, readlink). Returns an fd to close. */
static int posix_vfs_parent(struct posix_vfs *pv, const char *rel, const char **last)
{
	int fd;

	if (pv->confined)
		return confine_parent(pv->root_fd, rel, last);
	*last = rel;
	fd = fcntl(pv->root_fd, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

static const char *posix_vfs_type_name(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFLNK:
		return "a symlink";
	default:
		return "not a regular file";
	}
}

/* Only regular files (and directories where allowed) are ever read or written: a FIFO or a
 * device would block a step or reach outside the share. The open was O_NONBLOCK, so getting
 * here cannot have blocked; nothing has been read yet. */
static int posix_vfs_check_type(struct posix_vfs *pv, int fd, const char *rel, int dir_ok)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode) || (dir_ok && S_ISDIR(st.st_mode)))
		return 0;
	snprintf(pv->refused, sizeof(pv->refused),
		 "\"/%s\" is %s: only regular files and directories are opened", rel,
		 posix_vfs_type_name(st.st_mode));
	return -EPERM;
}

/* Opening a FIFO for writing without a reader, or a socket, fails (ENXIO) before any fstat:
 * look at what it is so the message says why. */
static int posix_vfs_explain(struct posix_vfs *pv, const char *rel, int err)
{
	int fd;

	if (err != -ENXIO && err != -EOPNOTSUPP)
		return err;
	fd = posix_vfs_openat(pv, rel, O_PATH, 0);
	if (fd < 0)
		return err;
	if (posix_vfs_check_type(pv, fd, rel, 0))
		err = -EPERM;
	close(fd);
	return err;
}

/* O_CREAT without O_EXCL cannot tell whether it created the file, so try O_EXCL first and
 * fchmod only what we created. A dangling final symlink makes O_EXCL say EEXIST and the
 * plain open say ENOENT: then create through it as POSIX O_CREAT would (confined: its target
 * is created inside the share, as virtiofsd's sandbox would). */
static int posix_vfs_open_create(struct posix_vfs *pv, const char *rel, int flags, uint32_t mode)
{
	int fd = posix_vfs_openat(pv, rel, flags | O_EXCL, (mode_t)mode);

	if (fd == -EEXIST && !(flags & O_EXCL)) {
		fd = posix_vfs_openat(pv, rel, flags & ~(O_CREAT | O_TRUNC), 0);
		if (fd >= 0) {
			int r = posix_vfs_check_type(pv, fd, rel, 0);

			if (!r && (flags & O_TRUNC) && ftruncate(fd, 0) < 0)
				r = -errno;
			if (r) {
				close(fd);
				return r;
			}
			return fd;
		}
		if (fd != -ENOENT)
			return posix_vfs_explain(pv, rel, fd);
		fd = posix_vfs_openat(pv, rel, flags, (mode_t)mode);
	}
	if (fd < 0)
		return posix_vfs_explain(pv, rel, fd);
	if (posix_vfs_check_type(pv, fd, rel, 0) || fchmod(fd, (mode_t)(mode & 07777)) < 0) {
		int e = pv->refused[0] ? -EPERM : -errno;

		close(fd);
		return e;
	}
	return fd;
}

static int posix_vfs_op_open(void *ctx, const char *path, int flags, uint32_t mode, uint64_t *fh)
{
	struct posix_vfs *pv = posix_vfs_of(ctx);
	const char *rel = posix_vfs_rel(path);
	int fd, r;

	if (!rel)
		return -EINVAL;
	pv->refused[0] = '\0';
	flags =
	    (flags & (O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_EXCL)) | O_NOCTTY | O_NONBLOCK;
	if (flags & O_CREAT)
		return (fd = posix_vfs_open_create(pv, rel, flags, mode)) < 0
			   ? fd
			   : (*fh = (uint64_t)fd, 0);
	/* O_TRUNC waits until the type is known: truncating a device is no step's business. */
	fd = posix_vfs_openat(pv, rel, flags & ~O_TRUNC, 0);
	if (fd < 0)
		return posix_vfs_explain(pv, rel, fd);
	r = posix_vfs_check_type(pv, fd, rel, (flags & O_ACCMODE) == O_RDONLY);
	if (!r && (flags & O_TRUNC) && ftruncate(fd, 0) < 0)
		r = -errno;
	if (r) {
		close(fd);
		return r;
	}
	*fh = (uint64_t)fd;
	return 0;
}

static int posix_vfs_fh(uint64_t fh)
{
	return fh > INT32_MAX ? -1 : (int)fh;
}

static ssize_t posix_vfs_op_pread(void *ctx, uint64_t fh, void *buf, size_t len, uint64_t off)
{
	ssize_t n;

	(void)ctx;
	if (off > INT64_MAX)
		return -EINVAL;
	n = pread(posix_vfs_fh(fh), buf, len, (off_t)off);
	return n < 0 ? -errno : n;
}

static ssize_t posix_vfs_op_pwrite(void *ctx, uint64_t fh, const void *buf, size_t len,
				   uint64_t off)
{
	ssize_t n;

	(void)ctx;
	if (off == VFS_OFF_APPEND)
		n = write(posix_vfs_fh(fh), buf, len);
	else if (off > INT64_MAX)
		return -EINVAL;
	else
		n = pwrite(posix_vfs_fh(fh), buf, len, (off_t)off);
	return n < 0 ? -errno : n;
}

static int posix_vfs_op_fsync(void *ctx, uint64_t fh)
{
	(void)ctx;
	return fsync(posix_vfs_fh(fh)) < 0 ? -errno : 0;
}

static int posix_vfs_op_close(void *ctx, uint64_t fh)
{
	(void)ctx;
	return close(posix_vfs_fh(fh)) < 0 ? -errno : 0;
}

static int posix_vfs_op_lstat(void *ctx, const char *path, struct vfs_stat *st)
{
	const char *rel = posix_vfs_rel(path);
	struct stat sb;
	int fd, r = 0;

	if (!rel)
		return -EINVAL;
	/* O_PATH|O_NOFOLLOW names a final symlink itself: lstat semantics, without a path. */
	fd = posix_vfs_openat(posix_vfs_of(ctx), rel, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &sb) < 0)
		r = -errno;
	close(fd);
	if (r)
		return r;
	st->size = (uint64_t)sb.st_size;
	st->mode = (uint32_t)sb.st_mode;
	st->nlink = (uint32_t)sb.st_nlink;
	return 0;
}

/* There is no truncateat(): open for writing (as truncate(2) needs write permission too),
 * non-blocking so a FIFO cannot hang us, then ftruncate a regular file only. */
static int posix_vfs_op_truncate(void *ctx, const char *path, uint64_t size)
{
	struct posix_vfs *pv = posix_vfs_of(ctx);
	const char *rel = posix_vfs_rel(path);
	int fd, rc;

	if (!rel || size > INT64_MAX)
		return -EINVAL;
	pv->refused[0] = '\0';
	fd = posix_vfs_openat(pv, rel, O_WRONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return posix_vfs_explain(pv, rel, fd);
	rc = posix_vfs_check_type(pv, fd, rel, 0);
	if (!rc && ftruncate(fd, (off_t)size) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* The mode is set on the directory just made, by fd: a name could meanwhile have been swapped
 * for a symlink by the guest, and chmod through it would reach whatever it points at. */
static int posix_vfs_op_mkdir(void *ctx, const char *path, uint32_t mode)
{
	const char *rel = posix_vfs_rel(path), *last;
	int pfd, fd, r = 0;

	if (!rel)
		return -EINVAL;
	pfd = posix_vfs_parent(posix_vfs_of(ctx), rel, &last);
	if (pfd < 0)
		return pfd;
	if (mkdirat(pfd, last, (mode_t)mode) < 0) {
		r = -errno;
	} else {
		fd = openat(pfd, last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fchmod(fd, (mode_t)(mode & 07777)) < 0)
			r = -errno;
		if (fd >= 0)
			close(fd);
	}
	close(pfd);
	return r;
}

/* unlinkat(2) with flags on the entry named by path, never following its final component. */
static int posix_vfs_unlink_flags(void *ctx, const char *path, int flags)
{
	const char *rel = posix_vfs_rel(path), *last;
	int pfd, r;

	if (!rel)
		return -EINVAL;
	pfd = posix_vfs_parent(posix_vfs_of(ctx), rel, &last);
	if (pfd < 0)
		return pfd;
	r = unlinkat(pfd, last, flags) < 0 ? -errno : 0;
	close(pfd);
	return r;
}

static int posix_vfs_op_rmdir(void *ctx, const char *path)
{
	return posix_vfs_unlink_flags(ctx, path, AT_REMOVEDIR);
}

static int posix_vfs_op_unlink(void *ctx, const char *path)
{
	return posix_vfs_unlink_flags(ctx, path, 0);
}

static int posix_vfs_op_rename(void *ctx, const char *oldpath, const char *newpath)
{
	struct posix_vfs *pv = posix_vfs_of(ctx);
	const char *oldrel = posix_vfs_rel(oldpath), *newrel = posix_vfs_rel(newpath);
	const char *oldlast, *newlast;
	int ofd, nfd, r;

	if (!oldrel || !newrel)
		return -EINVAL;
	ofd = posix_vfs_parent(pv, oldrel, &oldlast);
	if (ofd < 0)
		return ofd;
	nfd = posix_vfs_parent(pv, newrel, &newlast);
	if (nfd < 0) {
		close(ofd);
		return nfd;
	}
	r = renameat(ofd, oldlast, nfd, newlast) < 0 ? -errno : 0;
	close(nfd);
	close(ofd);
	return r;
}

static int posix_vfs_op_symlink(void *ctx, const char *target, const char *path)
{
	const char *rel = posix_vfs_rel(path), *last;
	int pfd, r;

	if (!rel)
		return -EINVAL;
	pfd = posix_vfs_parent(posix_vfs_of(ctx), rel, &last);
	if (pfd < 0)
		return pfd;
	r = symlinkat(target, pfd, last) < 0 ? -errno : 0;
	close(pfd);
	return r;
}

static ssize_t posix_vfs_op_readlink(void *ctx, const char *path, char *buf, size_t size)
{
	const char *rel = posix_vfs_rel(path), *last;
	ssize_t n;
	int pfd;

	if (!rel)
		return -EINVAL;
	pfd = posix_vfs_parent(posix_vfs_of(ctx), rel, &last);
	if (pfd < 0)
		return pfd;
	n = readlinkat(pfd, last, buf, size);
	n = n < 0 ? -errno : n;
	close(pfd);
	return n;
}

static int posix_vfs_op_list(void *ctx, const char *path, vfs_dirent_fn fn, void *arg)
{
	const char *rel = posix_vfs_rel(path);
	struct dirent *de;
	unsigned int n = 0;
	int fd, rc = 0;
	DIR *d;

	if (!rel)
		return -EINVAL;
	fd = posix_vfs_openat(posix_vfs_of(ctx), rel, O_RDONLY | O_DIRECTORY | O_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		rc = -errno;
		close(fd);
		return rc;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			rc = errno ? -errno : 0;
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (++n > POSIX_VFS_LIST_MAX) {
			rc = -E2BIG;
			break;
		}
		if (fn(arg, de->d_name))
			break;
	}
	closedir(d);
	return rc;
}

const struct vfs_ops posix_vfs_ops = {
    .name = "posix",
    .open = posix_vfs_op_open,
    .pread = posix_vfs_op_pread,
    .pwrite = posix_vfs_op_pwrite,
    .fsync = posix_vfs_op_fsync,
    .close = posix_vfs_op_close,
    .lstat = posix_vfs_op_lstat,
    .truncate = posix_vfs_op_truncate,
    .mkdir = posix_vfs_op_mkdir,
    .rmdir = posix_vfs_op_rmdir,
    .unlink = posix_vfs_op_unlink,
    .rename = posix_vfs_op_rename,
    .symlink = posix_vfs_op_symlink,
    .readlink = posix_vfs_op_readlink,
    .list = posix_vfs_op_list,
};
