/* posix_vfs.c - vfs_ops over POSIX *at() calls relative to a root directory fd: host steps
 * run on the shared directory with it, and the QEMU guest agent runs frontend steps on its
 * mount. Modes are set explicitly (fchmod) so the process umask never changes them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "posix_vfs.h"

/* Bounds a directory walk so a hostile or runaway directory cannot hang a step. */
#define POSIX_VFS_LIST_MAX 1000000u

static int posix_vfs_fd(void *ctx)
{
	return ((struct posix_vfs *)ctx)->root_fd;
}

/* Share-absolute "/a/b" -> "a/b" for *at(); "/" -> ".". Anything else is refused. */
static const char *posix_vfs_rel(const char *path)
{
	if (!path || path[0] != '/')
		return NULL;
	return path[1] ? path + 1 : ".";
}

int posix_vfs_open(struct posix_vfs *pv, const char *root)
{
	pv->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return pv->root_fd < 0 ? -errno : 0;
}

void posix_vfs_close(struct posix_vfs *pv)
{
	if (pv->root_fd >= 0)
		close(pv->root_fd);
	pv->root_fd = -1;
}

/* O_CREAT without O_EXCL cannot tell whether it created the file, so try O_EXCL first and
 * fchmod only what we created. A dangling final symlink makes O_EXCL say EEXIST and the
 * plain open say ENOENT: then create through it as POSIX O_CREAT would. */
static int posix_vfs_open_create(int dfd, const char *rel, int flags, uint32_t mode)
{
	int fd = openat(dfd, rel, flags | O_EXCL, (mode_t)mode);

	if (fd < 0 && errno == EEXIST && !(flags & O_EXCL)) {
		fd = openat(dfd, rel, flags & ~O_CREAT);
		if (fd >= 0 || errno != ENOENT)
			return fd < 0 ? -errno : fd;
		fd = openat(dfd, rel, flags, (mode_t)mode);
	}
	if (fd < 0)
		return -errno;
	if (fchmod(fd, (mode_t)(mode & 07777)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static int posix_vfs_op_open(void *ctx, const char *path, int flags, uint32_t mode, uint64_t *fh)
{
	const char *rel = posix_vfs_rel(path);
	int fd;

	if (!rel)
		return -EINVAL;
	flags =
	    (flags & (O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_EXCL)) | O_CLOEXEC | O_NOCTTY;
	if (flags & O_CREAT)
		fd = posix_vfs_open_create(posix_vfs_fd(ctx), rel, flags, mode);
	else if ((fd = openat(posix_vfs_fd(ctx), rel, flags)) < 0)
		fd = -errno;
	if (fd < 0)
		return fd;
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

	if (!rel)
		return -EINVAL;
	if (fstatat(posix_vfs_fd(ctx), rel, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	st->size = (uint64_t)sb.st_size;
	st->mode = (uint32_t)sb.st_mode;
	st->nlink = (uint32_t)sb.st_nlink;
	return 0;
}

/* There is no truncateat(): open for writing (as truncate(2) needs write permission too),
 * non-blocking so a FIFO cannot hang us, then ftruncate. */
static int posix_vfs_op_truncate(void *ctx, const char *path, uint64_t size)
{
	const char *rel = posix_vfs_rel(path);
	int fd, rc = 0;

	if (!rel || size > INT64_MAX)
		return -EINVAL;
	fd = openat(posix_vfs_fd(ctx), rel, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int posix_vfs_op_mkdir(void *ctx, const char *path, uint32_t mode)
{
	const char *rel = posix_vfs_rel(path);

	if (!rel)
		return -EINVAL;
	if (mkdirat(posix_vfs_fd(ctx), rel, (mode_t)mode) < 0)
		return -errno;
	/* the umask may have cleared bits: set them exactly */
	return fchmodat(posix_vfs_fd(ctx), rel, (mode_t)(mode & 07777), 0) < 0 ? -errno : 0;
}

static int posix_vfs_op_rmdir(void *ctx, const char *path)
{
	const char *rel = posix_vfs_rel(path);

	if (!rel)
		return -EINVAL;
	return unlinkat(posix_vfs_fd(ctx), rel, AT_REMOVEDIR) < 0 ? -errno : 0;
}

static int posix_vfs_op_unlink(void *ctx, const char *path)
{
	const char *rel = posix_vfs_rel(path);

	if (!rel)
		return -EINVAL;
	return unlinkat(posix_vfs_fd(ctx), rel, 0) < 0 ? -errno : 0;
}

static int posix_vfs_op_rename(void *ctx, const char *oldpath, const char *newpath)
{
	const char *oldrel = posix_vfs_rel(oldpath);
	const char *newrel = posix_vfs_rel(newpath);

	if (!oldrel || !newrel)
		return -EINVAL;
	return renameat(posix_vfs_fd(ctx), oldrel, posix_vfs_fd(ctx), newrel) < 0 ? -errno : 0;
}

static int posix_vfs_op_symlink(void *ctx, const char *target, const char *path)
{
	const char *rel = posix_vfs_rel(path);

	if (!rel)
		return -EINVAL;
	return symlinkat(target, posix_vfs_fd(ctx), rel) < 0 ? -errno : 0;
}

static ssize_t posix_vfs_op_readlink(void *ctx, const char *path, char *buf, size_t size)
{
	const char *rel = posix_vfs_rel(path);
	ssize_t n;

	if (!rel)
		return -EINVAL;
	n = readlinkat(posix_vfs_fd(ctx), rel, buf, size);
	return n < 0 ? -errno : n;
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
	fd = openat(posix_vfs_fd(ctx), rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
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
