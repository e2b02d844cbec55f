/* fuse_msg.c - pure FUSE encoders and validating decoders. Size rules follow the Linux
 * kernel's fuse_dev_do_write/copy_out_args (fixed replies are exact, variable ones bounded)
 * and libfuse's fuse_ll_ops[] with the minimum lengths libfuse itself never checks. */
#include "fuse_msg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ENTRY ((uint32_t)sizeof(struct fuse_entry_out))
#define FIXED(n, in, names, rep)                                                                   \
	{                                                                                          \
		n, in, names, false, false, false, rep, rep                                        \
	}
#define VAR(n, in, names, rmin, rmax)                                                              \
	{                                                                                          \
		n, in, names, false, false, true, rmin, rmax                                       \
	}

static const struct fuse_msg_op fuse_msg_ops[] = {
    [FUSE_LOOKUP] = FIXED("LOOKUP", 0, 1, ENTRY),
    [FUSE_FORGET] = {"FORGET", sizeof(struct fuse_forget_in), 0, false, true, false, 0, 0},
    [FUSE_GETATTR] =
	FIXED("GETATTR", sizeof(struct fuse_getattr_in), 0, sizeof(struct fuse_attr_out)),
    [FUSE_SETATTR] =
	FIXED("SETATTR", sizeof(struct fuse_setattr_in), 0, sizeof(struct fuse_attr_out)),
    [FUSE_READLINK] = VAR("READLINK", 0, 0, 0, 0),
    [FUSE_SYMLINK] = FIXED("SYMLINK", 0, 2, ENTRY),
    [FUSE_MKNOD] = FIXED("MKNOD", sizeof(struct fuse_mknod_in), 1, ENTRY),
    [FUSE_MKDIR] = FIXED("MKDIR", sizeof(struct fuse_mkdir_in), 1, ENTRY),
    [FUSE_UNLINK] = FIXED("UNLINK", 0, 1, 0),
    [FUSE_RMDIR] = FIXED("RMDIR", 0, 1, 0),
    [FUSE_RENAME] = FIXED("RENAME", sizeof(struct fuse_rename_in), 2, 0),
    [FUSE_LINK] = FIXED("LINK", sizeof(struct fuse_link_in), 1, ENTRY),
    [FUSE_OPEN] = FIXED("OPEN", sizeof(struct fuse_open_in), 0, sizeof(struct fuse_open_out)),
    [FUSE_READ] = VAR("READ", sizeof(struct fuse_read_in), 0, 0, 0),
    [FUSE_WRITE] = {"WRITE", sizeof(struct fuse_write_in), 0, true, false, false,
		    sizeof(struct fuse_write_out), sizeof(struct fuse_write_out)},
    [FUSE_STATFS] = FIXED("STATFS", 0, 0, sizeof(struct fuse_statfs_out)),
    [FUSE_RELEASE] = FIXED("RELEASE", sizeof(struct fuse_release_in), 0, 0),
    [FUSE_FSYNC] = FIXED("FSYNC", sizeof(struct fuse_fsync_in), 0, 0),
    [FUSE_SETXATTR] = {"SETXATTR", FUSE_COMPAT_SETXATTR_IN_SIZE, 1, true, false, false, 0, 0},
    [FUSE_GETXATTR] = VAR("GETXATTR", sizeof(struct fuse_getxattr_in), 1, 0, 0),
    [FUSE_LISTXATTR] = VAR("LISTXATTR", sizeof(struct fuse_getxattr_in), 0, 0, 0),
    [FUSE_REMOVEXATTR] = FIXED("REMOVEXATTR", 0, 1, 0),
    [FUSE_FLUSH] = FIXED("FLUSH", sizeof(struct fuse_flush_in), 0, 0),
    /* fuse_init_in grew from 16 to 64 bytes (a variable tail); a reply is one of the three
     * sizes fuse_init_out had (8, 24, 64: fuse_msg_init_out_size), checked by decode_reply. */
    [FUSE_INIT] = {"INIT", 16, 0, true, false, true, FUSE_COMPAT_INIT_OUT_SIZE,
		   sizeof(struct fuse_init_out)},
    [FUSE_OPENDIR] = FIXED("OPENDIR", sizeof(struct fuse_open_in), 0, sizeof(struct fuse_open_out)),
    [FUSE_READDIR] = VAR("READDIR", sizeof(struct fuse_read_in), 0, 0, 0),
    [FUSE_RELEASEDIR] = FIXED("RELEASEDIR", sizeof(struct fuse_release_in), 0, 0),
    [FUSE_FSYNCDIR] = FIXED("FSYNCDIR", sizeof(struct fuse_fsync_in), 0, 0),
    [FUSE_GETLK] = FIXED("GETLK", sizeof(struct fuse_lk_in), 0, sizeof(struct fuse_lk_out)),
    [FUSE_SETLK] = FIXED("SETLK", sizeof(struct fuse_lk_in), 0, 0),
    [FUSE_SETLKW] = FIXED("SETLKW", sizeof(struct fuse_lk_in), 0, 0),
    [FUSE_ACCESS] = FIXED("ACCESS", sizeof(struct fuse_access_in), 0, 0),
    [FUSE_CREATE] =
	FIXED("CREATE", sizeof(struct fuse_create_in), 1, ENTRY + sizeof(struct fuse_open_out)),
    [FUSE_INTERRUPT] = {"INTERRUPT", sizeof(struct fuse_interrupt_in), 0, false, true, false, 0, 0},
    [FUSE_BMAP] = FIXED("BMAP", sizeof(struct fuse_bmap_in), 0, sizeof(struct fuse_bmap_out)),
    [FUSE_DESTROY] = FIXED("DESTROY", 0, 0, 0),
    [FUSE_IOCTL] = {"IOCTL", sizeof(struct fuse_ioctl_in), 0, true, false, true,
		    sizeof(struct fuse_ioctl_out), 0},
    [FUSE_POLL] = FIXED("POLL", sizeof(struct fuse_poll_in), 0, sizeof(struct fuse_poll_out)),
    [FUSE_NOTIFY_REPLY] = {"NOTIFY_REPLY", sizeof(struct fuse_notify_retrieve_in), 0, true, true,
			   false, 0, 0},
    [FUSE_BATCH_FORGET] = {"BATCH_FORGET", sizeof(struct fuse_batch_forget_in), 0, true, true,
			   false, 0, 0},
    [FUSE_FALLOCATE] = FIXED("FALLOCATE", sizeof(struct fuse_fallocate_in), 0, 0),
    [FUSE_READDIRPLUS] = VAR("READDIRPLUS", sizeof(struct fuse_read_in), 0, 0, 0),
    [FUSE_RENAME2] = FIXED("RENAME2", sizeof(struct fuse_rename2_in), 2, 0),
    [FUSE_LSEEK] = FIXED("LSEEK", sizeof(struct fuse_lseek_in), 0, sizeof(struct fuse_lseek_out)),
    [FUSE_COPY_FILE_RANGE] = FIXED("COPY_FILE_RANGE", sizeof(struct fuse_copy_file_range_in), 0,
				   sizeof(struct fuse_write_out)),
    [FUSE_SYNCFS] = FIXED("SYNCFS", sizeof(struct fuse_syncfs_in), 0, 0),
    [FUSE_TMPFILE] =
	FIXED("TMPFILE", sizeof(struct fuse_create_in), 1, ENTRY + sizeof(struct fuse_open_out)),
};

const struct fuse_msg_op *fuse_msg_op(uint32_t opcode)
{
	if (opcode >= sizeof(fuse_msg_ops) / sizeof(fuse_msg_ops[0]) || !fuse_msg_ops[opcode].name)
		return NULL;
	return &fuse_msg_ops[opcode];
}

const char *fuse_msg_op_name(uint32_t opcode)
{
	const struct fuse_msg_op *op = fuse_msg_op(opcode);

	return op ? op->name : "UNKNOWN";
}

size_t fuse_msg_init_out_size(uint32_t minor)
{
	if (minor < 5)
		return FUSE_COMPAT_INIT_OUT_SIZE;
	if (minor < 23)
		return FUSE_COMPAT_22_INIT_OUT_SIZE;
	return sizeof(struct fuse_init_out);
}

static int fuse_msg_fail(char *why, size_t len, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fuse_msg_fail(char *why, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return rc;
}

int fuse_msg_encode(const struct fuse_msg_req *r, void *buf, size_t cap, size_t *len)
{
	const struct fuse_msg_op *op = fuse_msg_op(r->opcode);
	size_t n1 = r->name1 ? strlen(r->name1) + 1 : 0, n2 = r->name2 ? strlen(r->name2) + 1 : 0;
	size_t need = FUSE_MSG_IN_HDR + r->arg_len + n1 + n2 + r->data_len;
	unsigned int names = (r->name1 != NULL) + (r->name2 != NULL);
	struct fuse_in_header h;
	uint8_t *p = buf;

	if (!op || r->arg_len < op->in_min || names != op->in_names || (r->name2 && !r->name1) ||
	    (r->arg_len && !r->arg) || (r->data_len && !r->data))
		return -EINVAL;
	if (need + r->extra_len > UINT32_MAX || need + r->extra_len < need)
		return -EINVAL;
	if (need > cap)
		return -E2BIG;
	memset(&h, 0, sizeof(h));
	h.len = (uint32_t)(need + r->extra_len);
	h.opcode = r->opcode;
	h.unique = r->unique;
	h.nodeid = r->nodeid;
	h.uid = r->uid;
	h.gid = r->gid;
	h.pid = r->pid;
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	if (r->arg_len)
		memcpy(p, r->arg, r->arg_len);
	p += r->arg_len;
	if (n1)
		memcpy(p, r->name1, n1);
	p += n1;
	if (n2)
		memcpy(p, r->name2, n2);
	p += n2;
	if (r->data_len)
		memcpy(p, r->data, r->data_len);
	*len = need;
	return 0;
}

int fuse_msg_decode_reply(const void *buf, size_t buf_len, size_t used_len, uint64_t expect_unique,
			  uint32_t opcode, size_t max_body, struct fuse_msg_reply *out, char *why,
			  size_t why_len)
{
	const struct fuse_msg_op *op = fuse_msg_op(opcode);
	struct fuse_out_header h;
	size_t body, lo, hi;

	if (used_len > buf_len)
		return fuse_msg_fail(why, why_len, -EPROTO,
				     "reply length %zu exceeds the %zu-byte buffer", used_len,
				     buf_len);
	if (used_len < FUSE_MSG_OUT_HDR)
		return fuse_msg_fail(why, why_len, -EPROTO,
				     "reply length %zu is shorter than the 16-byte header",
				     used_len);
	memcpy(&h, buf, sizeof(h));
	if (h.len != used_len)
		return fuse_msg_fail(why, why_len, -EPROTO,
				     "reply header len %u differs from used length %zu", h.len,
				     used_len);
	if (h.unique != expect_unique)
		return fuse_msg_fail(why, why_len, -EPROTO, "reply unique %llu, expected %llu",
				     (unsigned long long)h.unique,
				     (unsigned long long)expect_unique);
	if (h.error > 0 || h.error < -FUSE_MSG_MAX_ERRNO)
		return fuse_msg_fail(why, why_len, -EPROTO,
				     "reply error %d is not 0 or in [-4095, -1]", h.error);
	body = used_len - FUSE_MSG_OUT_HDR;
	out->error = h.error;
	out->unique = h.unique;
	out->body = (const uint8_t *)buf + FUSE_MSG_OUT_HDR;
	out->body_len = body;
	if (h.error || !op)
		return 0; /* an error reply's body is ignored; unknown opcodes (raw use) are not
			     sized */
	lo = op->reply_min;
	hi = op->reply_var ? (op->reply_max ? op->reply_max : SIZE_MAX) : op->reply_min;
	if (max_body && hi > max_body)
		hi = max_body;
	if (body < lo || body > hi)
		return fuse_msg_fail(why, why_len, -EPROTO,
				     "%s reply body %zu bytes, want %zu..%zu", op->name, body, lo,
				     hi);
	/* Linux fs/fuse/inode.c: fuse_init_out is 8 bytes up to 7.4, 24 up to 7.22, then 64. */
	if (opcode == FUSE_INIT && body != fuse_msg_init_out_size(4) &&
	    body != fuse_msg_init_out_size(22) && body != fuse_msg_init_out_size(23))
		return fuse_msg_fail(why, why_len, -EPROTO,
				     "INIT reply body %zu bytes is none of fuse_init_out's sizes "
				     "(8 before 7.5, 24 before 7.23, 64)",
				     body);
	return 0;
}

/* Take one NUL-terminated string at *pos of the body; it must end inside the body. */
static const char *fuse_msg_take_name(const uint8_t *body, size_t len, size_t *pos)
{
	const uint8_t *nul;

	if (*pos >= len)
		return NULL;
	nul = memchr(body + *pos, '\0', len - *pos);
	if (!nul)
		return NULL;
	{
		const char *s = (const char *)body + *pos;

		*pos = (size_t)(nul - body) + 1;
		return s;
	}
}

/* Per-opcode tails: WRITE carries exactly write_in.size bytes, BATCH_FORGET count entries. */
static int fuse_msg_check_tail(struct fuse_msg_in *m, char *why, size_t why_len)
{
	if (m->hdr.opcode == FUSE_WRITE) {
		struct fuse_write_in w;

		memcpy(&w, m->arg, sizeof(w));
		if (w.size != m->data_len)
			return fuse_msg_fail(why, why_len, -EINVAL,
					     "WRITE size %u but %zu data bytes follow", w.size,
					     m->data_len);
	} else if (m->hdr.opcode == FUSE_BATCH_FORGET) {
		struct fuse_batch_forget_in b;

		memcpy(&b, m->arg, sizeof(b));
		if ((uint64_t)b.count * sizeof(struct fuse_forget_one) > m->data_len)
			return fuse_msg_fail(
			    why, why_len, -EINVAL,
			    "BATCH_FORGET count %u needs %llu bytes, %zu present", b.count,
			    (unsigned long long)b.count * sizeof(struct fuse_forget_one),
			    m->data_len);
	} else if (!m->op->in_data && m->data_len) {
		return fuse_msg_fail(why, why_len, -EINVAL, "%s has %zu trailing bytes",
				     m->op->name, m->data_len);
	}
	return 0;
}

int fuse_msg_decode_request(const void *buf, size_t len, struct fuse_msg_in *out, char *why,
			    size_t why_len)
{
	const uint8_t *body;
	size_t pos;

	memset(out, 0, sizeof(*out));
	if (len < FUSE_MSG_IN_HDR)
		return fuse_msg_fail(why, why_len, -EINVAL,
				     "request of %zu bytes is shorter than the 40-byte header",
				     len);
	memcpy(&out->hdr, buf, sizeof(out->hdr));
	if (out->hdr.len != len)
		return fuse_msg_fail(why, why_len, -EINVAL,
				     "request header len %u differs from the %zu bytes given",
				     out->hdr.len, len);
	out->op = fuse_msg_op(out->hdr.opcode);
	if (!out->op)
		return fuse_msg_fail(why, why_len, -ENOSYS, "unknown opcode %u", out->hdr.opcode);
	body = (const uint8_t *)buf + FUSE_MSG_IN_HDR;
	out->body_len = len - FUSE_MSG_IN_HDR;
	if (out->body_len < out->op->in_min)
		return fuse_msg_fail(why, why_len, -EINVAL, "%s body %zu bytes, needs at least %u",
				     out->op->name, out->body_len, out->op->in_min);
	out->arg = body;
	pos = out->op->in_min;
	if (out->op->in_names >= 1) {
		out->name1 = fuse_msg_take_name(body, out->body_len, &pos);
		if (!out->name1)
			return fuse_msg_fail(why, why_len, -EINVAL,
					     "%s: name is missing or not NUL-terminated",
					     out->op->name);
	}
	if (out->op->in_names >= 2) {
		out->name2 = fuse_msg_take_name(body, out->body_len, &pos);
		if (!out->name2)
			return fuse_msg_fail(why, why_len, -EINVAL,
					     "%s: second name is missing or not NUL-terminated",
					     out->op->name);
	}
	out->data = body + pos;
	out->data_len = out->body_len - pos;
	return fuse_msg_check_tail(out, why, why_len);
}

int fuse_msg_dirent_next(const void *buf, size_t len, size_t *pos, struct fuse_msg_dirent *d,
			 char *why, size_t why_len)
{
	const uint8_t *p = buf;
	struct fuse_dirent h;
	size_t rec;

	if (*pos >= len)
		return 0;
	if (len - *pos < FUSE_NAME_OFFSET)
		return fuse_msg_fail(why, why_len, -EPROTO,
				     "dirent at %zu: %zu bytes left, header needs %zu", *pos,
				     len - *pos, (size_t)FUSE_NAME_OFFSET);
	memcpy(&h, p + *pos, FUSE_NAME_OFFSET);
	if (!h.namelen || h.namelen > FUSE_MSG_NAME_MAX)
		return fuse_msg_fail(why, why_len, -EPROTO,
				     "dirent at %zu: name length %u not in 1..%u", *pos, h.namelen,
				     FUSE_MSG_NAME_MAX);
	/* The last record may omit its alignment padding (the kernel accepts that too). */
	if (h.namelen > len - *pos - FUSE_NAME_OFFSET)
		return fuse_msg_fail(why, why_len, -EPROTO,
				     "dirent at %zu: name of %u bytes overruns the %zu-byte reply",
				     *pos, h.namelen, len);
	d->ino = h.ino;
	d->off = h.off;
	d->type = h.type;
	d->namelen = h.namelen;
	d->name = (const char *)p + *pos + FUSE_NAME_OFFSET;
	if (memchr(d->name, '/', h.namelen) || memchr(d->name, '\0', h.namelen))
		return fuse_msg_fail(why, why_len, -EPROTO,
				     "dirent at %zu: name contains '/' or NUL", *pos);
	rec = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + (size_t)h.namelen);
	*pos = rec > len - *pos ? len : *pos + rec;
	return 1;
}
