/* posix_vfs.h - vfs_ops over POSIX *at() calls on a directory: host steps run on the
 * shared directory with it (confined), and the QEMU guest's agent runs frontend steps on its
 * mount. A refused FIFO, socket or device fails with -EPERM and says why in `refused`. */
#ifndef HARNESS_POSIX_VFS_H
#define HARNESS_POSIX_VFS_H

#include "vfs.h"

struct posix_vfs {
	int root_fd;	   /* O_PATH|O_DIRECTORY fd of the root */
	int confined;	   /* every path resolved beneath root_fd, as virtiofsd's chroot sees it */
	char refused[192]; /* why the last call refused a file (FIFO, socket, device), or "" */
};

/* Open root dir; returns 0 or -errno. Paths resolve as the kernel resolves them (the guest
 * agent: a Linux guest's own semantics on its mount). */
int posix_vfs_open(struct posix_vfs *pv, const char *root);
/* The host side of a share: symlinks (absolute or relative) and ".." never leave root
 * (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, or confine.c's walk). */
int posix_vfs_open_confined(struct posix_vfs *pv, const char *root);
void posix_vfs_close(struct posix_vfs *pv);

extern const struct vfs_ops posix_vfs_ops; /* ctx = struct posix_vfs * */

#endif
