/* fake_vfsdev_fs.h - a tiny in-memory file system answering FUSE requests for fake_vfsdev:
 * enough of virtiofsd's passthrough semantics for the scripted frontend's unit tests,
 * including its hazard (CREATE without O_EXCL of an existing name is counted as an "abort"). */
#ifndef HARNESS_FAKE_VFSDEV_FS_H
#define HARNESS_FAKE_VFSDEV_FS_H

#include <stddef.h>
#include <stdint.h>

#include "fuse_msg.h"

#define FAKE_VFSDEV_FS_NODES 128u
#define FAKE_VFSDEV_FS_NAME 256u

struct fake_vfsdev_fs_node {
	bool used;
	uint64_t parent;
	char name[FAKE_VFSDEV_FS_NAME];
	uint32_t mode;
	uint8_t *data; /* file contents or symlink target */
	size_t size;
	uint64_t nlookup;
};

struct fake_vfsdev_fs {
	struct fake_vfsdev_fs_node node[FAKE_VFSDEV_FS_NODES]; /* nodeid = index + 1; 1 is root */
	uint32_t fh_flags[FAKE_VFSDEV_FS_NODES + 1];	       /* open flags by fh (= nodeid) */
	bool initialized;
	uint32_t max_write;
	uint64_t creates_without_excl; /* virtiofsd 7.2 would have aborted on these */
	uint64_t ops[64];	       /* requests seen by opcode */
	uint64_t forgets;	       /* nlookup returned through FORGET */
};

void fake_vfsdev_fs_init(struct fake_vfsdev_fs *fs);
void fake_vfsdev_fs_destroy(struct fake_vfsdev_fs *fs);
/* The fake_vfsdev_handler: ctx is a struct fake_vfsdev_fs *. */
int fake_vfsdev_fs_handle(void *ctx, const struct fuse_msg_in *in, uint8_t *out, size_t cap);
/* nodeid of parent/name, 0 when absent (for test assertions). */
uint64_t fake_vfsdev_fs_find(const struct fake_vfsdev_fs *fs, uint64_t parent, const char *name);

#endif
