/* confine.h - open share-relative paths so they can never leave the share: every symlink,
 * absolute or relative, and every ".." resolves inside the root directory exactly as
 * virtiofsd's chroot sandbox sees it (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, or a
 * per-component O_NOFOLLOW walk with the same result on kernels without openat2). */
#ifndef HARNESS_CONFINE_H
#define HARNESS_CONFINE_H

#include <sys/types.h>

/* Symlinks followed in one resolution before ELOOP (Linux's MAXSYMLINKS). */
#define CONFINE_MAX_LINKS 40

/* Open rel ("a/b", "." for the root itself; never absolute) beneath root_fd. flags are
 * openat(2) flags; O_NOFOLLOW and O_EXCL leave a final symlink unfollowed, otherwise it is
 * followed inside the root (O_CREAT through a dangling one creates its target there). Returns
 * an fd or -errno. */
int confine_open(int root_fd, const char *rel, int flags, mode_t mode);

/* The parent directory of rel's final component, opened O_PATH beneath root_fd; *last points
 * at that component inside rel. Returns the fd or -errno (-EINVAL when the final component is
 * empty, "." or "..": no call may name the root or a parent through it). */
int confine_parent(int root_fd, const char *rel, const char **last);

/* Tests: 1 forces the per-component walk even where openat2 exists; returns the old value. */
int confine_force_walk(int on);

#endif
