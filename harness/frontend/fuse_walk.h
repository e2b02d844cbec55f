/* fuse_walk.h - path resolution for the FUSE vfs: LOOKUP per component from the root node,
 * symlinks spliced in (relative targets only, 40 hops), '..' from targets via a node stack,
 * and the lookup references taken on the way, FORGotten when the walk ends. */
#ifndef HARNESS_FUSE_WALK_H
#define HARNESS_FUSE_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "fuse_client.h"

#define FUSE_WALK_MAX_HOPS 40	  /* Linux MAXSYMLINKS */
#define FUSE_WALK_PATH_MAX 16384u /* path plus spliced targets */
#define FUSE_WALK_MAX_HELD 512u	  /* lookup references one operation may hold */
#define FUSE_WALK_MAX_DEPTH 256u

enum fuse_walk_mode {
	FUSE_WALK_FOLLOW,   /* follow a final symlink */
	FUSE_WALK_NOFOLLOW, /* look the final component up, do not follow it */
	FUSE_WALK_PARENT,   /* do not look the final component up: parent and name only */
};

struct fuse_walk_res {
	uint64_t parent;		  /* directory holding name */
	char name[FUSE_MSG_NAME_MAX + 1]; /* final component; "" for the root (or a final "..") */
	bool exists;			  /* final component found (always true when name is "") */
	bool have_attr;			  /* attr is valid (from the LOOKUP) */
	uint64_t nodeid;		  /* when exists */
	struct fuse_attr attr;
};

struct fuse_walk {
	struct fuse_client *fc;
	uint64_t held[FUSE_WALK_MAX_HELD];
	unsigned int nheld;
	uint64_t stack[FUSE_WALK_MAX_DEPTH];
	char buf[FUSE_WALK_PATH_MAX];
	char tmp[FUSE_WALK_PATH_MAX];
};

void fuse_walk_begin(struct fuse_walk *w, struct fuse_client *fc);
/* Resolve an absolute share path. 0 (res filled; a missing final component is exists=false
 * with parent and name set), or -errno: -ENOENT (missing intermediate), -ELOOP, -EXDEV
 * (absolute symlink target), -ENAMETOOLONG, or the server's error. */
int fuse_walk_resolve(struct fuse_walk *w, const char *path, enum fuse_walk_mode mode,
		      struct fuse_walk_res *res);
/* Record a lookup reference (an entry reply from CREATE, MKDIR, SYMLINK...). 0 or -E2BIG. */
int fuse_walk_hold(struct fuse_walk *w, uint64_t nodeid);
/* Take one reference on nodeid out of the walk: the caller keeps it (an open handle). */
void fuse_walk_keep(struct fuse_walk *w, uint64_t nodeid);
/* FORGET every reference still held. */
void fuse_walk_end(struct fuse_walk *w);

#endif
