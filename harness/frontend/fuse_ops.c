/* fuse_ops.c - typed FUSE operations: build the argument struct the protocol wants (as the
 * Linux kernel's fs/fuse/dir.c and file.c fill it), call, check the reply's semantics. */
#include "fuse_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Header fields every request carries: the credentials of the caller, as Linux sends them. */
static struct fuse_msg_req fuse_ops_req(uint32_t opcode, uint64_t nodeid, const void *arg,
					size_t arg_len)
{
	struct fuse_msg_req m = {
	    .opcode = opcode,
	    .nodeid = nodeid,
	    .uid = (uint32_t)geteuid(),
	    .gid = (uint32_t)getegid(),
	    .pid = (uint32_t)getpid(),
	    .arg = arg,
	    .arg_len = arg_len,
	};
	return m;
}

static int fuse_ops_simple(struct fuse_client *fc, struct fuse_msg_req *m, void *out, size_t len)
{
	return fuse_client_call(fc, m, NULL, 0, out, len, NULL);
}

/* Entry replies name a node we now hold one lookup reference on; nodeid 0 is "negative". */
static int fuse_ops_entry(struct fuse_client *fc, struct fuse_msg_req *m, struct fuse_entry_out *e)
{
	int rc = fuse_ops_simple(fc, m, e, sizeof(*e));

	if (!rc && !e->nodeid)
		return -ENOENT;
	return rc;
}

int fuse_ops_lookup(struct fuse_client *fc, uint64_t parent, const char *name,
		    struct fuse_entry_out *e)
{
	struct fuse_msg_req m = fuse_ops_req(FUSE_LOOKUP, parent, NULL, 0);

	m.name1 = name;
	return fuse_ops_entry(fc, &m, e);
}

int fuse_ops_forget(struct fuse_client *fc, uint64_t nodeid, uint64_t nlookup)
{
	struct fuse_forget_in in = {.nlookup = nlookup};
	struct fuse_msg_req m = fuse_ops_req(FUSE_FORGET, nodeid, &in, sizeof(in));

	return fuse_client_call(fc, &m, NULL, 0, NULL, 0, NULL);
}

int fuse_ops_getattr(struct fuse_client *fc, uint64_t nodeid, struct fuse_attr_out *a)
{
	struct fuse_getattr_in in = {0};
	struct fuse_msg_req m = fuse_ops_req(FUSE_GETATTR, nodeid, &in, sizeof(in));

	return fuse_ops_simple(fc, &m, a, sizeof(*a));
}

int fuse_ops_setattr(struct fuse_client *fc, uint64_t nodeid, const struct fuse_setattr_in *in,
		     struct fuse_attr_out *a)
{
	struct fuse_msg_req m = fuse_ops_req(FUSE_SETATTR, nodeid, in, sizeof(*in));

	return fuse_ops_simple(fc, &m, a, sizeof(*a));
}

static int fuse_ops_open_common(struct fuse_client *fc, uint32_t opcode, uint64_t nodeid,
				uint32_t flags, struct fuse_open_out *o)
{
	/* Linux fuse_open_common: O_CREAT, O_EXCL, O_NOCTTY never reach the server, and O_TRUNC
	 * only with atomic_o_trunc (not negotiated: callers truncate with SETATTR). */
	struct fuse_open_in in = {.flags =
				      flags & ~(uint32_t)(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC)};
	struct fuse_msg_req m = fuse_ops_req(opcode, nodeid, &in, sizeof(in));

	return fuse_ops_simple(fc, &m, o, sizeof(*o));
}

int fuse_ops_open(struct fuse_client *fc, uint64_t nodeid, uint32_t flags, struct fuse_open_out *o)
{
	return fuse_ops_open_common(fc, FUSE_OPEN, nodeid, flags, o);
}

int fuse_ops_opendir(struct fuse_client *fc, uint64_t nodeid, struct fuse_open_out *o)
{
	return fuse_ops_open_common(fc, FUSE_OPENDIR, nodeid, O_RDONLY | O_DIRECTORY, o);
}

int fuse_ops_create(struct fuse_client *fc, uint64_t parent, const char *name, uint32_t flags,
		    uint32_t mode, struct fuse_entry_out *e, struct fuse_open_out *o)
{
	struct fuse_create_in in = {.flags = flags & ~(uint32_t)O_NOCTTY, .mode = mode, .umask = 0};
	struct fuse_msg_req m = fuse_ops_req(FUSE_CREATE, parent, &in, sizeof(in));
	uint8_t out[sizeof(*e) + sizeof(*o)];
	int rc;

	m.name1 = name;
	rc = fuse_ops_simple(fc, &m, out, sizeof(out));
	if (rc)
		return rc;
	memcpy(e, out, sizeof(*e));
	memcpy(o, out + sizeof(*e), sizeof(*o));
	return e->nodeid ? 0 : -EPROTO;
}

ssize_t fuse_ops_read(struct fuse_client *fc, uint64_t nodeid, uint64_t fh, uint64_t off, void *buf,
		      size_t size)
{
	struct fuse_read_in in = {.fh = fh, .offset = off};
	struct fuse_msg_req m = fuse_ops_req(FUSE_READ, nodeid, &in, sizeof(in));
	size_t got = 0;
	int rc;

	in.size = (uint32_t)(size < fc->io_max ? size : fc->io_max);
	if (!in.size)
		return 0;
	rc = fuse_client_call(fc, &m, NULL, 0, buf, in.size, &got);
	return rc ? rc : (ssize_t)got;
}

ssize_t fuse_ops_write(struct fuse_client *fc, uint64_t nodeid, uint64_t fh, uint64_t off,
		       const void *buf, size_t size)
{
	struct fuse_write_in in = {.fh = fh, .offset = off};
	struct fuse_msg_req m = fuse_ops_req(FUSE_WRITE, nodeid, &in, sizeof(in));
	struct fuse_write_out out = {0};
	int rc;

	in.size = (uint32_t)(size < fc->io_max ? size : fc->io_max);
	if (!in.size)
		return 0;
	/* The payload gets its own readable descriptor; virtiofsd reads it in place. */
	rc = fuse_client_call(fc, &m, buf, in.size, &out, sizeof(out), NULL);
	if (rc)
		return rc;
	if (out.size > in.size) {
		log_err("fuse: WRITE of %u bytes at %llu reports %u written", in.size,
			(unsigned long long)off, out.size);
		return -EPROTO;
	}
	return out.size;
}

int fuse_ops_flush(struct fuse_client *fc, uint64_t nodeid, uint64_t fh)
{
	struct fuse_flush_in in = {.fh = fh};
	struct fuse_msg_req m = fuse_ops_req(FUSE_FLUSH, nodeid, &in, sizeof(in));

	return fuse_ops_simple(fc, &m, NULL, 0);
}

static int fuse_ops_release_common(struct fuse_client *fc, uint32_t opcode, uint64_t nodeid,
				   uint64_t fh, uint32_t flags)
{
	struct fuse_release_in in = {.fh = fh, .flags = flags};
	struct fuse_msg_req m = fuse_ops_req(opcode, nodeid, &in, sizeof(in));

	return fuse_ops_simple(fc, &m, NULL, 0);
}

int fuse_ops_release(struct fuse_client *fc, uint64_t nodeid, uint64_t fh, uint32_t flags)
{
	return fuse_ops_release_common(fc, FUSE_RELEASE, nodeid, fh, flags);
}

int fuse_ops_releasedir(struct fuse_client *fc, uint64_t nodeid, uint64_t fh)
{
	return fuse_ops_release_common(fc, FUSE_RELEASEDIR, nodeid, fh, O_RDONLY | O_DIRECTORY);
}

int fuse_ops_fsync(struct fuse_client *fc, uint64_t nodeid, uint64_t fh)
{
	struct fuse_fsync_in in = {.fh = fh};
	struct fuse_msg_req m = fuse_ops_req(FUSE_FSYNC, nodeid, &in, sizeof(in));

	return fuse_ops_simple(fc, &m, NULL, 0);
}

int fuse_ops_fsyncdir(struct fuse_client *fc, uint64_t nodeid, uint64_t fh)
{
	struct fuse_fsync_in in = {.fh = fh};
	struct fuse_msg_req m = fuse_ops_req(FUSE_FSYNCDIR, nodeid, &in, sizeof(in));

	return fuse_ops_simple(fc, &m, NULL, 0);
}

int fuse_ops_mkdir(struct fuse_client *fc, uint64_t parent, const char *name, uint32_t mode,
		   struct fuse_entry_out *e)
{
	struct fuse_mkdir_in in = {.mode = mode, .umask = 0};
	struct fuse_msg_req m = fuse_ops_req(FUSE_MKDIR, parent, &in, sizeof(in));

	m.name1 = name;
	return fuse_ops_entry(fc, &m, e);
}

static int fuse_ops_remove(struct fuse_client *fc, uint32_t opcode, uint64_t parent,
			   const char *name)
{
	struct fuse_msg_req m = fuse_ops_req(opcode, parent, NULL, 0);

	m.name1 = name;
	return fuse_ops_simple(fc, &m, NULL, 0);
}

int fuse_ops_rmdir(struct fuse_client *fc, uint64_t parent, const char *name)
{
	return fuse_ops_remove(fc, FUSE_RMDIR, parent, name);
}

int fuse_ops_unlink(struct fuse_client *fc, uint64_t parent, const char *name)
{
	return fuse_ops_remove(fc, FUSE_UNLINK, parent, name);
}

int fuse_ops_rename(struct fuse_client *fc, uint64_t olddir, const char *oldname, uint64_t newdir,
		    const char *newname)
{
	struct fuse_rename_in in = {.newdir = newdir};
	struct fuse_msg_req m = fuse_ops_req(FUSE_RENAME, olddir, &in, sizeof(in));

	m.name1 = oldname;
	m.name2 = newname;
	return fuse_ops_simple(fc, &m, NULL, 0);
}

int fuse_ops_symlink(struct fuse_client *fc, uint64_t parent, const char *name, const char *target,
		     struct fuse_entry_out *e)
{
	struct fuse_msg_req m = fuse_ops_req(FUSE_SYMLINK, parent, NULL, 0);

	/* Body order (fuse_lowlevel do_symlink): the new entry's name, then the link text. */
	m.name1 = name;
	m.name2 = target;
	return fuse_ops_entry(fc, &m, e);
}

ssize_t fuse_ops_readlink(struct fuse_client *fc, uint64_t nodeid, char *buf, size_t size)
{
	struct fuse_msg_req m = fuse_ops_req(FUSE_READLINK, nodeid, NULL, 0);
	size_t got = 0;
	int rc = fuse_client_call(fc, &m, NULL, 0, buf, size, &got);

	return rc ? rc : (ssize_t)got;
}

ssize_t fuse_ops_readdir(struct fuse_client *fc, uint64_t nodeid, uint64_t fh, uint64_t off,
			 void *buf, size_t size)
{
	struct fuse_read_in in = {.fh = fh, .offset = off, .flags = O_RDONLY | O_DIRECTORY};
	struct fuse_msg_req m = fuse_ops_req(FUSE_READDIR, nodeid, &in, sizeof(in));
	size_t got = 0;
	int rc;

	in.size = (uint32_t)(size < fc->io_max ? size : fc->io_max);
	rc = fuse_client_call(fc, &m, NULL, 0, buf, in.size, &got);
	return rc ? rc : (ssize_t)got;
}

int fuse_ops_statfs(struct fuse_client *fc, struct fuse_statfs_out *s)
{
	struct fuse_msg_req m = fuse_ops_req(FUSE_STATFS, FUSE_ROOT_ID, NULL, 0);

	return fuse_ops_simple(fc, &m, s, sizeof(*s));
}

int fuse_ops_destroy(struct fuse_client *fc)
{
	struct fuse_msg_req m = fuse_ops_req(FUSE_DESTROY, 0, NULL, 0);

	fc->initialized = false;
	return fuse_ops_simple(fc, &m, NULL, 0);
}
