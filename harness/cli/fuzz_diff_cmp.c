/* fuzz_diff_cmp.c - the oracle of `fuzz fuse-requests --differential`: two virtiofsd
 * implementations serving identical shares got the same request; where FUSE says the answer is
 * the file system's (an errno, a file's type, mode, size, link count and owner, the bytes
 * read, the bytes written, a link's target, a directory's names), they must agree. What the
 * protocol leaves to the server is never compared (node ids, generations, file handles, inode
 * numbers, times, cache timeouts, block counts), and the differences that are documented
 * choices of one implementation are counted under a named cause in one table, not skipped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuse_msg.h"
#include "fuzz_diff_cmp.h"

enum {
	FUZZ_DIFF_CAUSE_ERRNO_CLASS,
	FUZZ_DIFF_CAUSE_READDIR_OFFSET,
	FUZZ_DIFF_CAUSE_STATFS,
	FUZZ_DIFF_CAUSE_INIT,
	FUZZ_DIFF_CAUSE_OPEN_FLAGS,
	FUZZ_DIFF_CAUSE_NOT_IMPLEMENTED,
	FUZZ_DIFF_CAUSE_COUNT
};

const struct fuzz_diff_cmp_cause fuzz_diff_cmp_causes[] = {
    [FUZZ_DIFF_CAUSE_ERRNO_CLASS] = {"errno-class",
				     "both refused, with errors of one class (not supported "
				     "or invalid here; permission; exists; no such attribute): "
				     "which one is each implementation's choice"},
    [FUZZ_DIFF_CAUSE_READDIR_OFFSET] = {"readdir-offset",
					"READDIR/READDIRPLUS at a non-zero offset: offsets are "
					"cookies the backend handed out, not positions"},
    [FUZZ_DIFF_CAUSE_STATFS] = {"statfs-counts",
				"STATFS: free blocks and inodes move with everything else on the "
				"host; only the reply's size is compared"},
    [FUZZ_DIFF_CAUSE_INIT] = {"init-capabilities",
			      "INIT: each implementation offers its own flags, max_write and "
			      "max_pages"},
    [FUZZ_DIFF_CAUSE_OPEN_FLAGS] = {"open-flags",
				    "OPEN/OPENDIR/CREATE: FOPEN_* flags (direct I/O, keep cache) "
				    "follow each implementation's cache policy"},
    [FUZZ_DIFF_CAUSE_NOT_IMPLEMENTED] =
	{"not-implemented", "one answered ENOSYS: FUSE's \"not implemented, do it "
			    "yourself\" (the kernel then does it, e.g. ACCESS), not an "
			    "answer about the file"},
};
const unsigned int fuzz_diff_cmp_ncauses = FUZZ_DIFF_CAUSE_COUNT;

/* Errors that mean the same to a FUSE client, in classes; 0 for an error in none. */
static int fuzz_diff_cmp_errno_class(int32_t e)
{
	switch (-e) {
	case ENOSYS:
	case EOPNOTSUPP:
	case ENOTTY:
	case EINVAL:
		return 1;
	case EPERM:
	case EACCES:
	case EROFS:
		return 2;
	case EEXIST:
	case ENOTEMPTY:
		return 3;
	case ENODATA:
	case ERANGE:
	case E2BIG:
		return 4;
	default:
		return 0;
	}
}

/* The attribute fields that are the file system's, compared. */
static int fuzz_diff_cmp_attr(const struct fuse_attr *a, const struct fuse_attr *b, char *why,
			      size_t whylen)
{
	if (a->mode != b->mode)
		snprintf(why, whylen, "mode 0%o vs 0%o", a->mode, b->mode);
	else if ((a->mode & S_IFMT) != S_IFDIR && a->size != b->size)
		snprintf(why, whylen, "size %llu vs %llu", (unsigned long long)a->size,
			 (unsigned long long)b->size);
	else if (a->nlink != b->nlink)
		snprintf(why, whylen, "nlink %u vs %u", a->nlink, b->nlink);
	else if (a->uid != b->uid || a->gid != b->gid)
		snprintf(why, whylen, "owner %u:%u vs %u:%u", a->uid, a->gid, b->uid, b->gid);
	else if (a->rdev != b->rdev)
		snprintf(why, whylen, "rdev %u vs %u", a->rdev, b->rdev);
	else
		return 0;
	return 1;
}

static int fuzz_diff_cmp_str_ptr(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* A directory listing as "type name\n" lines, sorted (offsets and inode numbers are the
 * backend's); NULL when malformed. plus: READDIRPLUS records (an entry before each dirent). */
static char *fuzz_diff_cmp_listing(const uint8_t *body, size_t len, int plus)
{
	char *lines[512], *out = NULL, why[96];
	struct fuse_msg_dirent d;
	size_t pos = 0, n = 0, total = 1;
	int r = 0;

	for (;;) {
		if (plus) {
			if (len - pos < sizeof(struct fuse_entry_out))
				break;
			pos += sizeof(struct fuse_entry_out);
		}
		r = fuse_msg_dirent_next(body, len, &pos, &d, why, sizeof(why));
		if (r <= 0 || n == 512)
			break;
		if (asprintf(&lines[n], "%u %.*s\n", d.type, (int)d.namelen, d.name) < 0) {
			r = -ENOMEM;
			break;
		}
		total += strlen(lines[n++]);
	}
	if (r >= 0) {
		qsort(lines, n, sizeof(lines[0]), fuzz_diff_cmp_str_ptr);
		out = calloc(1, total);
		for (size_t i = 0; out && i < n; i++)
			strcat(out, lines[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	return out;
}

/* Both succeeded: the bodies where they are the file system's. */
static enum fuzz_diff_cmp_verdict
fuzz_diff_cmp_bodies(uint32_t opcode, const uint8_t *req, size_t req_len,
		     const struct fuzz_diff_cmp_side *a, const struct fuzz_diff_cmp_side *b,
		     unsigned int *cause, char *why, size_t whylen)
{
	const size_t eo = sizeof(struct fuse_entry_out), ao = sizeof(struct fuse_attr_out);
	struct fuse_entry_out ea, eb;
	struct fuse_attr_out aa, ab;
	const struct fuse_read_in *rin = (const void *)(req + FUSE_MSG_IN_HDR);
	char *la, *lb;
	int diff;

	switch (opcode) {
	case FUSE_INIT:
		*cause = FUZZ_DIFF_CAUSE_INIT;
		return a->len == b->len && !memcmp(a->body, b->body, a->len)
			   ? FUZZ_DIFF_CMP_SAME
			   : FUZZ_DIFF_CMP_DOCUMENTED;
	case FUSE_STATFS:
		*cause = FUZZ_DIFF_CAUSE_STATFS;
		break; /* sizes below */
	case FUSE_LOOKUP:
	case FUSE_MKNOD:
	case FUSE_MKDIR:
	case FUSE_SYMLINK:
	case FUSE_LINK:
	case FUSE_CREATE:
		if (a->len < eo || b->len < eo)
			break;
		memcpy(&ea, a->body, eo);
		memcpy(&eb, b->body, eo);
		if (fuzz_diff_cmp_attr(&ea.attr, &eb.attr, why, whylen))
			return FUZZ_DIFF_CMP_FINDING;
		if (opcode == FUSE_CREATE && a->len == b->len) {
			*cause = FUZZ_DIFF_CAUSE_OPEN_FLAGS;
			/* fuse_open_out: fh (never compared), then open_flags. */
			return memcmp(a->body + eo + 8, b->body + eo + 8, a->len - eo - 8)
				   ? FUZZ_DIFF_CMP_DOCUMENTED
				   : FUZZ_DIFF_CMP_SAME;
		}
		break;
	case FUSE_GETATTR:
	case FUSE_SETATTR:
		if (a->len < ao || b->len < ao)
			break;
		memcpy(&aa, a->body, ao);
		memcpy(&ab, b->body, ao);
		if (fuzz_diff_cmp_attr(&aa.attr, &ab.attr, why, whylen))
			return FUZZ_DIFF_CMP_FINDING;
		break;
	case FUSE_OPEN:
	case FUSE_OPENDIR:
		*cause = FUZZ_DIFF_CAUSE_OPEN_FLAGS;
		if (a->len == b->len && a->len > 8 && memcmp(a->body + 8, b->body + 8, a->len - 8))
			return FUZZ_DIFF_CMP_DOCUMENTED;
		break;
	case FUSE_READ:
	case FUSE_READLINK:
	case FUSE_GETXATTR:
	case FUSE_LISTXATTR:
	case FUSE_WRITE:
	case FUSE_LSEEK:
		if (a->len != b->len || memcmp(a->body, b->body, a->len)) {
			snprintf(why, whylen, "%zu vs %zu bytes%s", a->len, b->len,
				 a->len == b->len ? ", contents differ" : "");
			return FUZZ_DIFF_CMP_FINDING;
		}
		return FUZZ_DIFF_CMP_SAME;
	case FUSE_READDIR:
	case FUSE_READDIRPLUS:
		if (req_len >= FUSE_MSG_IN_HDR + sizeof(*rin) && rin->offset != 0) {
			*cause = FUZZ_DIFF_CAUSE_READDIR_OFFSET;
			return FUZZ_DIFF_CMP_DOCUMENTED;
		}
		la = fuzz_diff_cmp_listing(a->body, a->len, opcode == FUSE_READDIRPLUS);
		lb = fuzz_diff_cmp_listing(b->body, b->len, opcode == FUSE_READDIRPLUS);
		diff = !la || !lb || strcmp(la, lb);
		if (diff)
			snprintf(why, whylen, "listing [%.40s] vs [%.40s]", la ? la : "malformed",
				 lb ? lb : "malformed");
		free(la);
		free(lb);
		return diff ? FUZZ_DIFF_CMP_FINDING : FUZZ_DIFF_CMP_SAME;
	default:
		break;
	}
	if (a->len != b->len) {
		if (opcode == FUSE_STATFS)
			return FUZZ_DIFF_CMP_DOCUMENTED;
		snprintf(why, whylen, "reply body %zu vs %zu bytes", a->len, b->len);
		return FUZZ_DIFF_CMP_FINDING;
	}
	return opcode == FUSE_STATFS && memcmp(a->body, b->body, a->len) ? FUZZ_DIFF_CMP_DOCUMENTED
									 : FUZZ_DIFF_CMP_SAME;
}

enum fuzz_diff_cmp_verdict fuzz_diff_cmp_reply(uint32_t opcode, const uint8_t *req, size_t req_len,
					       const struct fuzz_diff_cmp_side *a,
					       const struct fuzz_diff_cmp_side *b,
					       unsigned int *cause, char *why, size_t whylen)
{
	why[0] = '\0';
	*cause = 0;
	if (a->replied != b->replied) {
		snprintf(why, whylen, "%s replied, %s did not",
			 a->replied ? "the first" : "the second",
			 a->replied ? "the second" : "the first");
		return FUZZ_DIFF_CMP_FINDING;
	}
	if (!a->replied)
		return FUZZ_DIFF_CMP_SAME;
	if (a->error != b->error && (a->error == -ENOSYS || b->error == -ENOSYS)) {
		*cause = FUZZ_DIFF_CAUSE_NOT_IMPLEMENTED;
		return FUZZ_DIFF_CMP_DOCUMENTED;
	}
	if (a->error != b->error) {
		int ca = fuzz_diff_cmp_errno_class(a->error),
		    cb = fuzz_diff_cmp_errno_class(b->error);

		if (a->error && b->error && ca && ca == cb) {
			*cause = FUZZ_DIFF_CAUSE_ERRNO_CLASS;
			return FUZZ_DIFF_CMP_DOCUMENTED;
		}
		snprintf(why, whylen, "%s vs %s", a->error ? strerrorname_np(-a->error) : "success",
			 b->error ? strerrorname_np(-b->error) : "success");
		return FUZZ_DIFF_CMP_FINDING;
	}
	if (a->error)
		return FUZZ_DIFF_CMP_SAME;
	return fuzz_diff_cmp_bodies(opcode, req, req_len, a, b, cause, why, whylen);
}
