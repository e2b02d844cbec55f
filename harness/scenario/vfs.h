/* vfs.h - the file-system interface a scenario executor drives. One implementation of
 * each scenario step's semantics (scn_exec.c) runs over any of these: POSIX calls on a
 * directory (host steps, the QEMU guest's agent) or the FUSE client over virtqueues
 * (scripted frontend). Paths are share-relative and absolute ("/", "/a/b").
 *
 * Path resolution contract (scenario-format.md): calls marked FOLLOW follow intermediate and
 * final symlinks; calls marked NOFOLLOW follow intermediate ones only (lstat semantics).
 * Every call returns 0 (or a byte count) on success and a negative errno on failure. */
#ifndef HARNESS_VFS_H
#define HARNESS_VFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Offset meaning "append at end of file" for vfs_ops.pwrite on an O_APPEND handle. */
#define VFS_OFF_APPEND UINT64_MAX

struct vfs_stat {
	uint64_t size;
	uint32_t mode; /* full st_mode: S_IFMT type bits and permission bits */
	uint32_t nlink;
};

/* Called once per directory entry name (never "." or ".."); nonzero stops the walk. */
typedef int (*vfs_dirent_fn)(void *arg, const char *name);

struct vfs_ops {
	const char *name; /* "posix", "fuse" - for messages */
	/* FOLLOW. flags: O_RDONLY/O_WRONLY/O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_EXCL.
	 * *fh is an opaque handle for the other calls. */
	int (*open)(void *ctx, const char *path, int flags, uint32_t mode, uint64_t *fh);
	/* Returns bytes read (0 at EOF; short reads allowed) or -errno. */
	ssize_t (*pread)(void *ctx, uint64_t fh, void *buf, size_t len, uint64_t off);
	/* Returns bytes written or -errno; off VFS_OFF_APPEND appends. */
	ssize_t (*pwrite)(void *ctx, uint64_t fh, const void *buf, size_t len, uint64_t off);
	int (*fsync)(void *ctx, uint64_t fh);
	int (*close)(void *ctx, uint64_t fh);
	int (*lstat)(void *ctx, const char *path, struct vfs_stat *st);	    /* NOFOLLOW */
	int (*truncate)(void *ctx, const char *path, uint64_t size);	    /* FOLLOW */
	int (*mkdir)(void *ctx, const char *path, uint32_t mode);	    /* NOFOLLOW */
	int (*rmdir)(void *ctx, const char *path);			    /* NOFOLLOW */
	int (*unlink)(void *ctx, const char *path);			    /* NOFOLLOW */
	int (*rename)(void *ctx, const char *oldpath, const char *newpath); /* NOFOLLOW */
	int (*symlink)(void *ctx, const char *target, const char *path);    /* NOFOLLOW */
	/* Writes the target (not NUL-terminated) and returns its length, or -errno. */
	ssize_t (*readlink)(void *ctx, const char *path, char *buf, size_t size); /* NOFOLLOW */
	/* FOLLOW. Calls fn for each entry name except "." and "..". */
	int (*list)(void *ctx, const char *path, vfs_dirent_fn fn, void *arg);
};

#endif
