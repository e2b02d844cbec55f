/* posix_vfs.h - vfs_ops over POSIX *at() calls on a directory: host steps run on the
 * shared directory with it, and the QEMU guest's agent runs frontend steps on its mount. */
#ifndef HARNESS_POSIX_VFS_H
#define HARNESS_POSIX_VFS_H

#include "vfs.h"

struct posix_vfs {
	int root_fd; /* O_PATH|O_DIRECTORY fd of the root */
};

/* Open root dir; returns 0 or -errno. */
int posix_vfs_open(struct posix_vfs *pv, const char *root);
void posix_vfs_close(struct posix_vfs *pv);

extern const struct vfs_ops posix_vfs_ops; /* ctx = struct posix_vfs * */

#endif
