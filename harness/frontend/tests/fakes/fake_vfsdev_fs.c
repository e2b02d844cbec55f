/* fake_vfsdev_fs.c - in-memory FUSE server for unit tests: nodes in a fixed table, fh =
 * nodeid, replies shaped like virtiofsd 7.2's (protocol 7.36, max_write 1 MiB). */
#include "fake_vfsdev_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FAKE_FS_MINOR 36u

struct fake_fs_req {
	struct fake_vfsdev_fs *fs;
	const struct fuse_msg_in *in;
	uint8_t *out;
	size_t cap;
};

void fake_vfsdev_fs_init(struct fake_vfsdev_fs *fs)
{
	memset(fs, 0, sizeof(*fs));
	fs->node[0].used = true;
	fs->node[0].parent = 1;
	fs->node[0].mode = S_IFDIR | 0755;
	fs->max_write = 1u << 20;
}

void fake_vfsdev_fs_destroy(struct fake_vfsdev_fs *fs)
{
	for (unsigned int i = 0; i < FAKE_VFSDEV_FS_NODES; i++)
		free(fs->node[i].data);
	memset(fs, 0, sizeof(*fs));
}

static struct fake_vfsdev_fs_node *fake_fs_node(struct fake_vfsdev_fs *fs, uint64_t id)
{
	if (!id || id > FAKE_VFSDEV_FS_NODES || !fs->node[id - 1].used)
		return NULL;
	return &fs->node[id - 1];
}

uint64_t fake_vfsdev_fs_find(const struct fake_vfsdev_fs *fs, uint64_t parent, const char *name)
{
	for (unsigned int i = 1; i < FAKE_VFSDEV_FS_NODES; i++)
		if (fs->node[i].used && fs->node[i].parent == parent &&
		    !strcmp(fs->node[i].name, name))
			return i + 1;
	return 0;
}

static int fake_fs_reply(struct fake_fs_req *r, int err, const void *body, size_t len)
{
	struct fuse_out_header h = {(uint32_t)(sizeof(h) + (err ? 0 : len)), err,
				    r->in->hdr.unique};

	if (h.len > r->cap)
		return 0; /* virtiofsd drops a reply that does not fit: used.len 0 */
	memcpy(r->out, &h, sizeof(h));
	if (!err && len)
		memcpy(r->out + sizeof(h), body, len);
	return (int)h.len;
}

static void fake_fs_attr(struct fake_vfsdev_fs *fs, uint64_t id, struct fuse_attr *a)
{
	struct fake_vfsdev_fs_node *n = fake_fs_node(fs, id);

	memset(a, 0, sizeof(*a));
	a->ino = id;
	a->size = n->size;
	a->blocks = (n->size + 511) / 512;
	a->mode = n->mode;
	a->nlink = S_ISDIR(n->mode) ? 2 : 1;
	a->blksize = 4096;
}

static int fake_fs_entry(struct fake_fs_req *r, uint64_t id)
{
	struct fuse_entry_out e;

	memset(&e, 0, sizeof(e));
	e.nodeid = id;
	fake_fs_node(r->fs, id)->nlookup++;
	fake_fs_attr(r->fs, id, &e.attr);
	return fake_fs_reply(r, 0, &e, sizeof(e));
}

/* A free node under parent (a directory); 0 with -errno in *err when impossible. */
static uint64_t fake_fs_new(struct fake_vfsdev_fs *fs, uint64_t parent, const char *name,
			    uint32_t mode, int *err)
{
	struct fake_vfsdev_fs_node *p = fake_fs_node(fs, parent);

	*err = !p				       ? -ENOENT
	       : !S_ISDIR(p->mode)		       ? -ENOTDIR
	       : strlen(name) >= FAKE_VFSDEV_FS_NAME   ? -ENAMETOOLONG
	       : fake_vfsdev_fs_find(fs, parent, name) ? -EEXIST
						       : 0;
	for (unsigned int i = 1; !*err && i < FAKE_VFSDEV_FS_NODES; i++) {
		if (fs->node[i].used)
			continue;
		memset(&fs->node[i], 0, sizeof(fs->node[i]));
		fs->node[i].used = true;
		fs->node[i].parent = parent;
		strcpy(fs->node[i].name, name);
		fs->node[i].mode = mode;
		return i + 1;
	}
	if (!*err)
		*err = -ENOSPC;
	return 0;
}

static void fake_fs_free(struct fake_vfsdev_fs *fs, uint64_t id)
{
	free(fs->node[id - 1].data);
	memset(&fs->node[id - 1], 0, sizeof(fs->node[id - 1]));
}

static bool fake_fs_has_children(struct fake_vfsdev_fs *fs, uint64_t id)
{
	for (unsigned int i = 1; i < FAKE_VFSDEV_FS_NODES; i++)
		if (fs->node[i].used && fs->node[i].parent == id)
			return true;
	return false;
}

static int fake_fs_resize(struct fake_vfsdev_fs_node *n, size_t size)
{
	uint8_t *p;

	if (size > (64u << 20))
		return -EFBIG;
	p = realloc(n->data, size ? size : 1);
	if (!p)
		return -ENOMEM;
	if (size > n->size)
		memset(p + n->size, 0, size - n->size);
	n->data = p;
	n->size = size;
	return 0;
}

static int fake_fs_init(struct fake_fs_req *r)
{
	struct fuse_init_in in = {0};
	struct fuse_init_out o;

	memcpy(&in, r->in->arg, r->in->body_len < sizeof(in) ? r->in->body_len : sizeof(in));
	if (in.major != 7)
		return fake_fs_reply(r, -EPROTO, NULL, 0);
	memset(&o, 0, sizeof(o));
	o.major = 7;
	o.minor = in.minor < FAKE_FS_MINOR ? in.minor : FAKE_FS_MINOR;
	o.max_readahead = in.max_readahead;
	o.flags =
	    in.flags & (FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES);
	o.max_write = r->fs->max_write;
	o.max_pages = 256;
	r->fs->initialized = true;
	return fake_fs_reply(r, 0, &o, sizeof(o));
}

static int fake_fs_lookup(struct fake_fs_req *r)
{
	struct fake_vfsdev_fs_node *p = fake_fs_node(r->fs, r->in->hdr.nodeid);
	uint64_t id;

	if (!p)
		return fake_fs_reply(r, -ENOENT, NULL, 0);
	if (!S_ISDIR(p->mode))
		return fake_fs_reply(r, -ENOTDIR, NULL, 0);
	if (!r->in->name1[0])
		return fake_fs_reply(r, -EINVAL, NULL, 0);
	id = fake_vfsdev_fs_find(r->fs, r->in->hdr.nodeid, r->in->name1);
	return id ? fake_fs_entry(r, id) : fake_fs_reply(r, -ENOENT, NULL, 0);
}

static int fake_fs_setattr(struct fake_fs_req *r, struct fake_vfsdev_fs_node *n)
{
	struct fuse_setattr_in in;
	struct fuse_attr_out o;
	int rc = 0;

	memcpy(&in, r->in->arg, sizeof(in));
	if (in.valid & FATTR_SIZE)
		rc = S_ISDIR(n->mode) ? -EISDIR : fake_fs_resize(n, in.size);
	if (!rc && (in.valid & FATTR_MODE))
		n->mode = (n->mode & S_IFMT) | (in.mode & 07777);
	memset(&o, 0, sizeof(o));
	fake_fs_attr(r->fs, r->in->hdr.nodeid, &o.attr);
	return fake_fs_reply(r, rc, &o, sizeof(o));
}

static int fake_fs_open(struct fake_fs_req *r, struct fake_vfsdev_fs_node *n, bool dir)
{
	struct fuse_open_in in;
	struct fuse_open_out o = {.fh = r->in->hdr.nodeid};

	memcpy(&in, r->in->arg, sizeof(in));
	if (dir && !S_ISDIR(n->mode))
		return fake_fs_reply(r, -ENOTDIR, NULL, 0);
	if (!dir && S_ISDIR(n->mode) && (in.flags & O_ACCMODE) != O_RDONLY)
		return fake_fs_reply(r, -EISDIR, NULL, 0);
	r->fs->fh_flags[r->in->hdr.nodeid] = in.flags;
	return fake_fs_reply(r, 0, &o, sizeof(o));
}

static int fake_fs_create(struct fake_fs_req *r)
{
	struct fuse_create_in in;
	uint8_t body[sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out)];
	struct fuse_entry_out e;
	struct fuse_open_out o = {0};
	uint64_t id;
	int err;

	memcpy(&in, r->in->arg, sizeof(in));
	if (!(in.flags & O_EXCL) && fake_vfsdev_fs_find(r->fs, r->in->hdr.nodeid, r->in->name1))
		r->fs->creates_without_excl++;
	id = fake_fs_new(r->fs, r->in->hdr.nodeid, r->in->name1, S_IFREG | (in.mode & 07777), &err);
	if (!id)
		return fake_fs_reply(r, err, NULL, 0);
	memset(&e, 0, sizeof(e));
	e.nodeid = id;
	r->fs->node[id - 1].nlookup = 1;
	fake_fs_attr(r->fs, id, &e.attr);
	o.fh = id;
	r->fs->fh_flags[id] = in.flags;
	memcpy(body, &e, sizeof(e));
	memcpy(body + sizeof(e), &o, sizeof(o));
	return fake_fs_reply(r, 0, body, sizeof(body));
}

static int fake_fs_read(struct fake_fs_req *r, struct fake_vfsdev_fs_node *n)
{
	struct fuse_read_in in;
	size_t len = 0;

	memcpy(&in, r->in->arg, sizeof(in));
	if (S_ISDIR(n->mode))
		return fake_fs_reply(r, -EISDIR, NULL, 0);
	if (in.offset < n->size)
		len = n->size - in.offset < in.size ? n->size - in.offset : in.size;
	return fake_fs_reply(r, 0, len ? n->data + in.offset : NULL, len);
}

static int fake_fs_write(struct fake_fs_req *r, struct fake_vfsdev_fs_node *n)
{
	struct fuse_write_in in;
	struct fuse_write_out o = {0};
	uint64_t off;
	int rc;

	memcpy(&in, r->in->arg, sizeof(in));
	if (in.size > r->fs->max_write)
		return fake_fs_reply(r, -EINVAL, NULL, 0);
	off = (r->fs->fh_flags[in.fh <= FAKE_VFSDEV_FS_NODES ? in.fh : 0] & O_APPEND) ? n->size
										      : in.offset;
	if (off + in.size > n->size && (rc = fake_fs_resize(n, off + in.size)))
		return fake_fs_reply(r, rc, NULL, 0);
	memcpy(n->data + off, r->in->data, in.size);
	o.size = in.size;
	return fake_fs_reply(r, 0, &o, sizeof(o));
}

static int fake_fs_mk(struct fake_fs_req *r, uint32_t mode, const char *name, const char *target)
{
	int err;
	uint64_t id = fake_fs_new(r->fs, r->in->hdr.nodeid, name, mode, &err);

	if (!id)
		return fake_fs_reply(r, err, NULL, 0);
	if (target) {
		struct fake_vfsdev_fs_node *n = &r->fs->node[id - 1];

		if (fake_fs_resize(n, strlen(target)))
			return fake_fs_reply(r, -ENOMEM, NULL, 0);
		memcpy(n->data, target, n->size);
	}
	return fake_fs_entry(r, id);
}

static int fake_fs_mkdir(struct fake_fs_req *r)
{
	struct fuse_mkdir_in in;

	memcpy(&in, r->in->arg, sizeof(in));
	return fake_fs_mk(r, S_IFDIR | (in.mode & 07777), r->in->name1, NULL);
}

static int fake_fs_remove(struct fake_fs_req *r, bool dir)
{
	uint64_t id = fake_vfsdev_fs_find(r->fs, r->in->hdr.nodeid, r->in->name1);
	int err = 0;

	if (!id)
		err = -ENOENT;
	else if (dir && !S_ISDIR(r->fs->node[id - 1].mode))
		err = -ENOTDIR;
	else if (!dir && S_ISDIR(r->fs->node[id - 1].mode))
		err = -EISDIR;
	else if (dir && fake_fs_has_children(r->fs, id))
		err = -ENOTEMPTY;
	if (!err)
		fake_fs_free(r->fs, id);
	return fake_fs_reply(r, err, NULL, 0);
}

static int fake_fs_rename(struct fake_fs_req *r)
{
	struct fuse_rename_in in;
	uint64_t src, dst;
	struct fake_vfsdev_fs_node *d;

	memcpy(&in, r->in->arg, sizeof(in));
	src = fake_vfsdev_fs_find(r->fs, r->in->hdr.nodeid, r->in->name1);
	d = fake_fs_node(r->fs, in.newdir);
	if (!src || !d)
		return fake_fs_reply(r, -ENOENT, NULL, 0);
	if (!S_ISDIR(d->mode) || strlen(r->in->name2) >= FAKE_VFSDEV_FS_NAME)
		return fake_fs_reply(r, S_ISDIR(d->mode) ? -ENAMETOOLONG : -ENOTDIR, NULL, 0);
	dst = fake_vfsdev_fs_find(r->fs, in.newdir, r->in->name2);
	if (dst && dst != src) {
		bool sdir = S_ISDIR(r->fs->node[src - 1].mode),
		     ddir = S_ISDIR(r->fs->node[dst - 1].mode);

		if (sdir != ddir)
			return fake_fs_reply(r, sdir ? -ENOTDIR : -EISDIR, NULL, 0);
		if (ddir && fake_fs_has_children(r->fs, dst))
			return fake_fs_reply(r, -ENOTEMPTY, NULL, 0);
		fake_fs_free(r->fs, dst);
	}
	r->fs->node[src - 1].parent = in.newdir;
	strcpy(r->fs->node[src - 1].name, r->in->name2);
	return fake_fs_reply(r, 0, NULL, 0);
}

/* Append one fuse_dirent to buf at *len if it fits in cap. */
static bool fake_fs_dirent(uint8_t *buf, size_t *len, size_t cap, uint64_t ino, uint64_t off,
			   const char *name, uint32_t type)
{
	struct fuse_dirent d = {ino, off, (uint32_t)strlen(name), type};
	size_t rec = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + d.namelen);

	if (*len + rec > cap)
		return false;
	memset(buf + *len, 0, rec);
	memcpy(buf + *len, &d, FUSE_NAME_OFFSET);
	memcpy(buf + *len + FUSE_NAME_OFFSET, name, d.namelen);
	*len += rec;
	return true;
}

static int fake_fs_readdir(struct fake_fs_req *r, struct fake_vfsdev_fs_node *n)
{
	uint8_t *buf;
	struct fuse_read_in in;
	size_t len = 0, cap;
	uint64_t idx = 0;
	int rc;

	memcpy(&in, r->in->arg, sizeof(in));
	if (!S_ISDIR(n->mode))
		return fake_fs_reply(r, -ENOTDIR, NULL, 0);
	cap = in.size < 65536 ? in.size : 65536;
	buf = malloc(cap ? cap : 1);
	if (!buf)
		return fake_fs_reply(r, -ENOMEM, NULL, 0);
	/* Entry k (0 ".", 1 "..", then children in table order) has offset k + 1. */
	for (unsigned int i = 0; i < FAKE_VFSDEV_FS_NODES + 2; i++) {
		const char *name = i == 0 ? "." : i == 1 ? ".." : NULL;
		uint64_t id = i < 2 ? r->in->hdr.nodeid : i - 1;

		if (i >= 2 && (!r->fs->node[i - 2].used || i - 2 == 0 ||
			       r->fs->node[i - 2].parent != r->in->hdr.nodeid))
			continue;
		if (i >= 2)
			name = r->fs->node[i - 2].name;
		idx = i;
		if (idx < in.offset)
			continue;
		if (!fake_fs_dirent(buf, &len, cap, id, idx + 1, name,
				    (r->fs->node[id - 1].mode & S_IFMT) >> 12))
			break;
	}
	rc = fake_fs_reply(r, 0, buf, len);
	free(buf);
	return rc;
}

static int fake_fs_forget(struct fake_fs_req *r, struct fake_vfsdev_fs_node *n)
{
	if (r->in->hdr.opcode == FUSE_FORGET) {
		struct fuse_forget_in in;

		memcpy(&in, r->in->arg, sizeof(in));
		r->fs->forgets += in.nlookup;
		if (n)
			n->nlookup -= in.nlookup < n->nlookup ? in.nlookup : n->nlookup;
	}
	return 0;
}

/* Requests on an existing node. */
static int fake_fs_node_op(struct fake_fs_req *r, struct fake_vfsdev_fs_node *n)
{
	struct fuse_attr_out a;
	struct fuse_statfs_out s;

	switch (r->in->hdr.opcode) {
	case FUSE_GETATTR:
		memset(&a, 0, sizeof(a));
		fake_fs_attr(r->fs, r->in->hdr.nodeid, &a.attr);
		return fake_fs_reply(r, 0, &a, sizeof(a));
	case FUSE_SETATTR:
		return fake_fs_setattr(r, n);
	case FUSE_OPEN:
		return fake_fs_open(r, n, false);
	case FUSE_OPENDIR:
		return fake_fs_open(r, n, true);
	case FUSE_READ:
		return fake_fs_read(r, n);
	case FUSE_WRITE:
		return fake_fs_write(r, n);
	case FUSE_READDIR:
		return fake_fs_readdir(r, n);
	case FUSE_READLINK:
		if (!S_ISLNK(n->mode))
			return fake_fs_reply(r, -EINVAL, NULL, 0);
		return fake_fs_reply(r, 0, n->data, n->size);
	case FUSE_FLUSH:
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
	case FUSE_FSYNC:
		return fake_fs_reply(r, 0, NULL, 0);
	case FUSE_CREATE:
		return fake_fs_create(r);
	case FUSE_LOOKUP:
		return fake_fs_lookup(r);
	case FUSE_MKDIR:
		return fake_fs_mkdir(r);
	case FUSE_SYMLINK:
		return fake_fs_mk(r, S_IFLNK | 0777, r->in->name1, r->in->name2);
	case FUSE_UNLINK:
		return fake_fs_remove(r, false);
	case FUSE_RMDIR:
		return fake_fs_remove(r, true);
	case FUSE_RENAME:
		return fake_fs_rename(r);
	case FUSE_STATFS:
		memset(&s, 0, sizeof(s));
		s.st.bsize = 4096;
		s.st.namelen = 255;
		return fake_fs_reply(r, 0, &s, sizeof(s));
	default:
		return fake_fs_reply(r, -ENOSYS, NULL, 0);
	}
}

int fake_vfsdev_fs_handle(void *ctx, const struct fuse_msg_in *in, uint8_t *out, size_t cap)
{
	struct fake_fs_req r = {ctx, in, out, cap};
	struct fake_vfsdev_fs_node *n;

	r.fs->ops[in->hdr.opcode < 63 ? in->hdr.opcode : 63]++;
	if (in->hdr.opcode == FUSE_INIT)
		return fake_fs_init(&r);
	n = fake_fs_node(r.fs, in->hdr.nodeid);
	if (in->hdr.opcode == FUSE_FORGET || in->hdr.opcode == FUSE_BATCH_FORGET)
		return fake_fs_forget(&r, n);
	if (!r.fs->initialized)
		return fake_fs_reply(&r, -EIO, NULL, 0); /* as virtiofsd before INIT */
	if (in->hdr.opcode == FUSE_DESTROY) {
		r.fs->initialized = false;
		return fake_fs_reply(&r, 0, NULL, 0);
	}
	if (!n)
		return fake_fs_reply(&r, -ENOENT, NULL, 0);
	return fake_fs_node_op(&r, n);
}
