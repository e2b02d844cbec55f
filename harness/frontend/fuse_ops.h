/* fuse_ops.h - one typed function per FUSE operation the scripted frontend uses, over
 * fuse_client_call. Each returns 0 (or a byte count) or -errno: the FUSE reply's error, or a
 * transport/protocol error (-ETIMEDOUT, -EIO, -EPROTO). */
#ifndef HARNESS_FUSE_OPS_H
#define HARNESS_FUSE_OPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fuse_client.h"

int fuse_ops_lookup(struct fuse_client *fc, uint64_t parent, const char *name,
		    struct fuse_entry_out *e);
/* No reply: posted on hiprio. */
int fuse_ops_forget(struct fuse_client *fc, uint64_t nodeid, uint64_t nlookup);
int fuse_ops_getattr(struct fuse_client *fc, uint64_t nodeid, struct fuse_attr_out *a);
/* in->valid says which fields apply (FATTR_SIZE, FATTR_MODE, ...). */
int fuse_ops_setattr(struct fuse_client *fc, uint64_t nodeid, const struct fuse_setattr_in *in,
		     struct fuse_attr_out *a);
int fuse_ops_open(struct fuse_client *fc, uint64_t nodeid, uint32_t flags, struct fuse_open_out *o);
int fuse_ops_opendir(struct fuse_client *fc, uint64_t nodeid, struct fuse_open_out *o);
/* flags must include O_CREAT; umask is sent as 0. */
int fuse_ops_create(struct fuse_client *fc, uint64_t parent, const char *name, uint32_t flags,
		    uint32_t mode, struct fuse_entry_out *e, struct fuse_open_out *o);
/* size is clamped to fc->io_max; returns bytes read. */
ssize_t fuse_ops_read(struct fuse_client *fc, uint64_t nodeid, uint64_t fh, uint64_t off, void *buf,
		      size_t size);
/* size is clamped to fc->io_max; returns bytes written (the reply's count, checked <= size). */
ssize_t fuse_ops_write(struct fuse_client *fc, uint64_t nodeid, uint64_t fh, uint64_t off,
		       const void *buf, size_t size);
int fuse_ops_flush(struct fuse_client *fc, uint64_t nodeid, uint64_t fh);
int fuse_ops_release(struct fuse_client *fc, uint64_t nodeid, uint64_t fh, uint32_t flags);
int fuse_ops_releasedir(struct fuse_client *fc, uint64_t nodeid, uint64_t fh);
int fuse_ops_fsync(struct fuse_client *fc, uint64_t nodeid, uint64_t fh);
/* fsync(2) of a directory: Linux sends FSYNCDIR on a handle from OPENDIR. */
int fuse_ops_fsyncdir(struct fuse_client *fc, uint64_t nodeid, uint64_t fh);
int fuse_ops_mkdir(struct fuse_client *fc, uint64_t parent, const char *name, uint32_t mode,
		   struct fuse_entry_out *e);
int fuse_ops_rmdir(struct fuse_client *fc, uint64_t parent, const char *name);
int fuse_ops_unlink(struct fuse_client *fc, uint64_t parent, const char *name);
int fuse_ops_rename(struct fuse_client *fc, uint64_t olddir, const char *oldname, uint64_t newdir,
		    const char *newname);
int fuse_ops_symlink(struct fuse_client *fc, uint64_t parent, const char *name, const char *target,
		     struct fuse_entry_out *e);
/* Returns the target length (not NUL-terminated in buf). */
ssize_t fuse_ops_readlink(struct fuse_client *fc, uint64_t nodeid, char *buf, size_t size);
/* Raw READDIR body (fuse_dirent records) into buf; returns its length, 0 at the end. */
ssize_t fuse_ops_readdir(struct fuse_client *fc, uint64_t nodeid, uint64_t fh, uint64_t off,
			 void *buf, size_t size);
int fuse_ops_statfs(struct fuse_client *fc, struct fuse_statfs_out *s);
int fuse_ops_destroy(struct fuse_client *fc);

#endif
