/* fuzz_gen.c - the whole-stack fuzzer's request generator: opcode-aware argument structs
 * (fuse_msg's table gives sizes and name counts), a small name pool so requests collide on
 * real files, node ids and handles learned from replies, and one hostile twist per class. */
#include "fuzz_gen.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "fuse_msg.h"

static const char *const fuzz_gen_names[] = {"a", "b", "dir", "f.txt", "sub"};
#define FUZZ_GEN_NNAMES (sizeof(fuzz_gen_names) / sizeof(fuzz_gen_names[0]))

/* Opcodes a well-behaved driver sends, weighted by repetition. */
static const uint8_t fuzz_gen_common[] = {
    FUSE_LOOKUP,
    FUSE_LOOKUP,
    FUSE_GETATTR,
    FUSE_SETATTR,
    FUSE_READLINK,
    FUSE_SYMLINK,
    FUSE_MKNOD,
    FUSE_MKDIR,
    FUSE_MKDIR,
    FUSE_UNLINK,
    FUSE_RMDIR,
    FUSE_RENAME,
    FUSE_LINK,
    FUSE_OPEN,
    FUSE_OPEN,
    FUSE_READ,
    FUSE_WRITE,
    FUSE_WRITE,
    FUSE_STATFS,
    FUSE_RELEASE,
    FUSE_FSYNC,
    FUSE_SETXATTR,
    FUSE_GETXATTR,
    FUSE_LISTXATTR,
    FUSE_REMOVEXATTR,
    FUSE_FLUSH,
    FUSE_OPENDIR,
    FUSE_READDIR,
    FUSE_READDIR,
    FUSE_RELEASEDIR,
    FUSE_FSYNCDIR,
    FUSE_GETLK,
    FUSE_SETLK,
    FUSE_ACCESS,
    FUSE_CREATE,
    FUSE_CREATE,
    FUSE_FALLOCATE,
    FUSE_READDIRPLUS,
    FUSE_RENAME2,
    FUSE_LSEEK,
    FUSE_COPY_FILE_RANGE,
    FUSE_SYNCFS,
    FUSE_BMAP,
    FUSE_POLL,
    FUSE_IOCTL,
};

static const char *const fuzz_gen_class_names[FUZZ_GEN_CLASS_COUNT] = {
    "valid",  "mutated", "any-opcode", "wrong-len", "bad-name", "unknown-node",
    "forget", "rw-edge", "session",    "short",	    "huge",
};

/* Weights per class, out of their sum. */
static const unsigned fuzz_gen_weight[FUZZ_GEN_CLASS_COUNT] = {30, 15, 10, 8, 10, 8, 4, 6, 3, 1, 1};

const char *fuzz_gen_class_name(enum fuzz_gen_class c)
{
	return c < FUZZ_GEN_CLASS_COUNT ? fuzz_gen_class_names[c] : "?";
}

uint64_t fuzz_gen_rand(struct fuzz_gen *g)
{
	/* xorshift64*, as the scenario format's @rand */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t fuzz_gen_below(struct fuzz_gen *g, uint64_t n)
{
	return n ? fuzz_gen_rand(g) % n : 0;
}

void fuzz_gen_reset_state(struct fuzz_gen *g)
{
	g->nodes[0] = 1;
	g->n_nodes = 1;
	g->n_fhs = 0;
	g->max_write = 1u << 20;
	g->destroyed = false;
}

void fuzz_gen_init(struct fuzz_gen *g, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->rng = seed ? seed : 1;
	g->unique = 0x100000;
	fuzz_gen_reset_state(g);
}

static uint64_t fuzz_gen_node(struct fuzz_gen *g)
{
	return g->nodes[fuzz_gen_below(g, g->n_nodes)];
}

static uint64_t fuzz_gen_fh(struct fuzz_gen *g)
{
	return g->n_fhs ? g->fhs[fuzz_gen_below(g, g->n_fhs)] : fuzz_gen_below(g, 4);
}

static void fuzz_gen_add(uint64_t *arr, unsigned *n, unsigned cap, uint64_t v, struct fuzz_gen *g)
{
	for (unsigned i = 0; i < *n; i++)
		if (arr[i] == v)
			return;
	if (*n < cap)
		arr[(*n)++] = v;
	else
		arr[1 + fuzz_gen_below(g, cap - 1)] = v; /* keep nodes[0] = root */
}

void fuzz_gen_learn(struct fuzz_gen *g, uint32_t opcode, const uint8_t *body, size_t len)
{
	struct fuse_entry_out e;
	struct fuse_open_out o;
	struct fuse_init_out in;

	switch (opcode) {
	case FUSE_LOOKUP:
	case FUSE_MKNOD:
	case FUSE_MKDIR:
	case FUSE_SYMLINK:
	case FUSE_LINK:
	case FUSE_CREATE:
		if (len < sizeof(e))
			return;
		memcpy(&e, body, sizeof(e));
		if (e.nodeid)
			fuzz_gen_add(g->nodes, &g->n_nodes, 32, e.nodeid, g);
		if (opcode == FUSE_CREATE && len >= sizeof(e) + sizeof(o)) {
			memcpy(&o, body + sizeof(e), sizeof(o));
			fuzz_gen_add(g->fhs, &g->n_fhs, 32, o.fh, g);
		}
		break;
	case FUSE_OPEN:
	case FUSE_OPENDIR:
		if (len < sizeof(o))
			return;
		memcpy(&o, body, sizeof(o));
		fuzz_gen_add(g->fhs, &g->n_fhs, 32, o.fh, g);
		break;
	case FUSE_INIT:
		if (len >= 24) {
			memcpy(&in, body, len < sizeof(in) ? len : sizeof(in));
			if (in.max_write)
				g->max_write = in.max_write;
		}
		break;
	default:
		break;
	}
}

/* The argument struct for opcode with plausible fields; returns its length (in_min). */
/* The argument structs of the name and attribute operations; 1 when opcode is one of them. */
static int fuzz_gen_arg_meta(struct fuzz_gen *g, uint32_t opcode, uint8_t *a, size_t data_len,
			     uint64_t fh, uint64_t off)
{
	switch (opcode) {
	case FUSE_FORGET: {
		struct fuse_forget_in x = {1};
		memcpy(a, &x, sizeof(x));
		break;
	}
	case FUSE_SETATTR: {
		struct fuse_setattr_in x = {.valid = (uint32_t)fuzz_gen_below(g, 0x200),
					    .fh = fh,
					    .size = off,
					    .mode = 0644};
		memcpy(a, &x, sizeof(x));
		break;
	}
	case FUSE_MKNOD: {
		struct fuse_mknod_in x = {S_IFREG | 0644, 0, 022, 0};
		memcpy(a, &x, sizeof(x));
		break;
	}
	case FUSE_MKDIR: {
		struct fuse_mkdir_in x = {0755, 022};
		memcpy(a, &x, sizeof(x));
		break;
	}
	case FUSE_RENAME:
	case FUSE_RENAME2:
	case FUSE_LINK:
		memcpy(a, &(uint64_t){fuzz_gen_node(g)}, 8);
		break;
	case FUSE_SETXATTR:
		memcpy(a, &(uint32_t){(uint32_t)data_len}, 4);
		break;
	case FUSE_GETXATTR:
	case FUSE_LISTXATTR:
		memcpy(a, &(uint32_t){(uint32_t)fuzz_gen_below(g, 512)}, 4);
		break;
	case FUSE_ACCESS:
		memcpy(a, &(uint32_t){(uint32_t)fuzz_gen_below(g, 8)}, 4);
		break;
	default:
		return 0;
	}
	return 1;
}

/* The argument structs of the operations on open handles; 1 when opcode is one of them. */
static int fuzz_gen_arg_io(struct fuzz_gen *g, uint32_t opcode, uint8_t *a, size_t data_len,
			   uint64_t fh, uint64_t off, uint32_t sz)
{
	switch (opcode) {
	case FUSE_OPEN:
	case FUSE_OPENDIR: {
		static const uint32_t fl[] = {O_RDONLY, O_RDWR, O_WRONLY | O_TRUNC,
					      O_RDWR | O_APPEND, O_DIRECTORY};
		struct fuse_open_in x = {fl[fuzz_gen_below(g, 5)], 0};
		memcpy(a, &x, sizeof(x));
		break;
	}
	case FUSE_READ:
	case FUSE_READDIR:
	case FUSE_READDIRPLUS: {
		struct fuse_read_in x = {.fh = fh, .offset = off, .size = sz};
		memcpy(a, &x, sizeof(x));
		break;
	}
	case FUSE_WRITE: {
		struct fuse_write_in x = {.fh = fh, .offset = off, .size = (uint32_t)data_len};
		memcpy(a, &x, sizeof(x));
		break;
	}
	case FUSE_CREATE: {
		static const uint32_t fl[] = {O_CREAT | O_EXCL | O_RDWR,
					      O_CREAT | O_EXCL | O_WRONLY, O_CREAT | O_RDWR};
		/* CREATE without O_EXCL of an existing name aborts virtiofsd 7.2 (a known finding):
		 * one in three until the campaign has recorded it, then one in 500, so it is
		 * rediscovered but no longer costs a restart every few hundred requests. */
		unsigned int pick = (unsigned int)fuzz_gen_below(g, 3);
		struct fuse_create_in x;

		if (pick == 2 && g->create_excl && fuzz_gen_below(g, 500))
			pick = (unsigned int)fuzz_gen_below(g, 2);
		x = (struct fuse_create_in){fl[pick], 0644, 022, 0};
		memcpy(a, &x, sizeof(x));
		break;
	}
	case FUSE_FALLOCATE: {
		struct fuse_fallocate_in x = {fh, off, sz, 0, 0};
		memcpy(a, &x, sizeof(x));
		break;
	}
	case FUSE_LSEEK: {
		struct fuse_lseek_in x = {fh, off, (uint32_t)fuzz_gen_below(g, 5), 0};
		memcpy(a, &x, sizeof(x));
		break;
	}
	case FUSE_COPY_FILE_RANGE: {
		struct fuse_copy_file_range_in x = {fh, off, fuzz_gen_node(g), fuzz_gen_fh(g), 0,
						    sz, 0};
		memcpy(a, &x, sizeof(x));
		break;
	}
	default:
		return 0;
	}
	return 1;
}

static size_t fuzz_gen_arg(struct fuzz_gen *g, uint32_t opcode, uint8_t *a, size_t data_len)
{
	const struct fuse_msg_op *op = fuse_msg_op(opcode);
	size_t n = op ? op->in_min : 0;
	uint64_t fh = fuzz_gen_fh(g), off = fuzz_gen_below(g, 8192);
	uint32_t sz = (uint32_t)(1 + fuzz_gen_below(g, 8192));

	memset(a, 0, 128);
	if (opcode == FUSE_INIT) {
		struct fuse_init_in x = {
		    .major = 7, .minor = 36, .max_readahead = 1u << 17, .flags = 0x440021};
		memcpy(a, &x, sizeof(x));
		return sizeof(x);
	}
	if (fuzz_gen_arg_meta(g, opcode, a, data_len, fh, off) ||
	    fuzz_gen_arg_io(g, opcode, a, data_len, fh, off, sz))
		return n;
	/* fh-first structs (RELEASE, FSYNC, FLUSH, GETLK, ...): the handle goes first */
	if (n >= 8)
		memcpy(a, &fh, 8);
	return n;
}

static size_t fuzz_gen_header(struct fuzz_gen *g, uint8_t *buf, uint32_t opcode, uint64_t nodeid,
			      size_t len, struct fuzz_gen_info *info)
{
	struct fuse_in_header h = {(uint32_t)len, opcode, g->unique, nodeid, 0, 0, 1, 0, 0};

	info->opcode = opcode;
	info->unique = g->unique;
	g->unique += 2;
	memcpy(buf, &h, sizeof(h));
	return len;
}

static const char *fuzz_gen_name(struct fuzz_gen *g)
{
	return fuzz_gen_names[fuzz_gen_below(g, FUZZ_GEN_NNAMES)];
}

/* A well-formed request for opcode (names from the pool, data where it takes data). */
static size_t fuzz_gen_valid(struct fuzz_gen *g, uint32_t opcode, uint8_t *buf,
			     struct fuzz_gen_info *info)
{
	const struct fuse_msg_op *op = fuse_msg_op(opcode);
	size_t data_len =
	    (opcode == FUSE_WRITE || opcode == FUSE_SETXATTR) ? fuzz_gen_below(g, 4096) : 0;
	size_t pos = FUSE_MSG_IN_HDR;
	uint64_t node = (opcode == FUSE_INIT || opcode == FUSE_DESTROY) ? 0 : fuzz_gen_node(g);

	pos += fuzz_gen_arg(g, opcode, buf + pos, data_len);
	for (unsigned i = 0; op && i < op->in_names; i++) {
		const char *nm = (opcode == FUSE_SETXATTR || opcode == FUSE_GETXATTR ||
				  opcode == FUSE_REMOVEXATTR)
				     ? (fuzz_gen_below(g, 2) ? "user.fuzz" : "trusted.x")
				     : fuzz_gen_name(g);
		size_t l = strlen(nm) + 1;

		memcpy(buf + pos, nm, l);
		pos += l;
	}
	for (size_t i = 0; i < data_len; i++)
		buf[pos + i] = (uint8_t)('a' + i % 26);
	pos += data_len;
	return fuzz_gen_header(g, buf, opcode, node, pos, info);
}

static size_t fuzz_gen_bad_name(struct fuzz_gen *g, uint8_t *buf, struct fuzz_gen_info *info)
{
	static const uint8_t ops[] = {FUSE_LOOKUP, FUSE_MKDIR,	 FUSE_CREATE,  FUSE_MKNOD,
				      FUSE_UNLINK, FUSE_RMDIR,	 FUSE_SYMLINK, FUSE_RENAME,
				      FUSE_LINK,   FUSE_GETXATTR};
	static const char *const bad[] = {"",	  "..", ".", "a/b", "/etc/passwd", "../../../etc",
					  "..\\x"};
	uint32_t opcode = ops[fuzz_gen_below(g, sizeof(ops))];
	size_t len = fuzz_gen_valid(g, opcode, buf, info), start;
	const struct fuse_msg_op *op = fuse_msg_op(opcode);
	unsigned kind = (unsigned)fuzz_gen_below(g, 4);

	start = FUSE_MSG_IN_HDR + op->in_min;
	if (kind == 0) { /* a listed hostile name */
		const char *b = bad[fuzz_gen_below(g, sizeof(bad) / sizeof(bad[0]))];

		len = start + strlen(b) + 1;
		memcpy(buf + start, b, strlen(b) + 1);
		if (op->in_names == 2) {
			memcpy(buf + len, b, strlen(b) + 1);
			len += strlen(b) + 1;
		}
	} else if (kind == 1) { /* longer than NAME_MAX (255) or FUSE_NAME_MAX (1024) */
		size_t n = 250 + fuzz_gen_below(g, 4200);

		memset(buf + start, 'n', n);
		buf[start + n] = '\0';
		len = start + n + 1;
	} else { /* no terminating NUL */
		size_t n = 1 + fuzz_gen_below(g, 40);

		memset(buf + start, 'x', n);
		len = start + n;
	}
	((struct fuse_in_header *)(void *)buf)->len = (uint32_t)len;
	return len;
}

static size_t fuzz_gen_forget(struct fuzz_gen *g, uint8_t *buf, struct fuzz_gen_info *info)
{
	size_t pos = FUSE_MSG_IN_HDR;

	if (fuzz_gen_below(g, 2)) {
		struct fuse_forget_in f = {fuzz_gen_rand(g) | (1ULL << 63)};

		memcpy(buf + pos, &f, sizeof(f));
		return fuzz_gen_header(g, buf, FUSE_FORGET, fuzz_gen_rand(g), pos + sizeof(f),
				       info);
	}
	struct fuse_batch_forget_in b = {(uint32_t)fuzz_gen_below(g, 64), 0};
	unsigned real = (unsigned)fuzz_gen_below(g, 64);

	memcpy(buf + pos, &b, sizeof(b));
	pos += sizeof(b);
	for (unsigned i = 0; i < real; i++) {
		struct fuse_forget_one o = {
		    fuzz_gen_below(g, 2) ? fuzz_gen_rand(g) : fuzz_gen_node(g), fuzz_gen_rand(g)};

		memcpy(buf + pos, &o, sizeof(o));
		pos += sizeof(o);
	}
	return fuzz_gen_header(g, buf, FUSE_BATCH_FORGET, 0, pos, info);
}

static size_t fuzz_gen_rw_edge(struct fuzz_gen *g, uint8_t *buf, struct fuzz_gen_info *info)
{
	static const uint64_t offs[] = {0, UINT64_MAX, UINT64_MAX - 10, (uint64_t)INT64_MAX,
					1ULL << 62};
	uint32_t sizes[] = {g->max_write + 1, g->max_write * 2, UINT32_MAX, 0, 1u << 31};
	int is_write = (int)fuzz_gen_below(g, 2);
	size_t len = fuzz_gen_valid(g, is_write ? FUSE_WRITE : FUSE_READ, buf, info);
	uint64_t off = offs[fuzz_gen_below(g, 5)];
	uint32_t size = sizes[fuzz_gen_below(g, 5)];

	/* offset at byte 8 of read_in and write_in, size at 16 */
	memcpy(buf + FUSE_MSG_IN_HDR + 8, &off, 8);
	if (!is_write || fuzz_gen_below(g, 2))
		memcpy(buf + FUSE_MSG_IN_HDR + 16, &size, 4);
	return len;
}

static size_t fuzz_gen_session(struct fuzz_gen *g, uint8_t *buf, struct fuzz_gen_info *info)
{
	size_t len;

	if (!g->destroyed &&
	    fuzz_gen_below(g, 4) == 0) { /* requests until the next INIT see a dead session */
		g->destroyed = true;
		return fuzz_gen_valid(g, FUSE_DESTROY, buf, info);
	}
	len = fuzz_gen_valid(g, FUSE_INIT, buf, info);
	if (g->destroyed) { /* a plain INIT brings the session back */
		g->destroyed = false;
		return len;
	}
	if (fuzz_gen_below(g, 3) == 0) { /* odd versions: 6.x, 7.0, 7.99, 8.0 */
		static const uint32_t ver[][2] = {{6, 0}, {7, 0}, {7, 99}, {8, 0}, {7, 12}};
		unsigned k = (unsigned)fuzz_gen_below(g, 5);

		memcpy(buf + FUSE_MSG_IN_HDR, ver[k], 8);
	}
	if (fuzz_gen_below(g, 4) == 0) /* the 16-byte compat init_in */
		((struct fuse_in_header *)(void *)buf)->len =
		    (uint32_t)(len = FUSE_MSG_IN_HDR + 16);
	return len;
}

static enum fuzz_gen_class fuzz_gen_pick(struct fuzz_gen *g)
{
	unsigned total = 0, r;
	int c;

	for (c = 0; c < FUZZ_GEN_CLASS_COUNT; c++)
		total += g->skip[c] ? 0 : fuzz_gen_weight[c];
	r = (unsigned)fuzz_gen_below(g, total);
	for (c = 0; c < FUZZ_GEN_CLASS_COUNT; c++) {
		unsigned w = g->skip[c] ? 0 : fuzz_gen_weight[c];

		if (r < w)
			break;
		r -= w;
	}
	return c < FUZZ_GEN_CLASS_COUNT ? (enum fuzz_gen_class)c : FUZZ_GEN_VALID;
}

size_t fuzz_gen_next(struct fuzz_gen *g, uint8_t *buf, size_t cap, struct fuzz_gen_info *info)
{
	enum fuzz_gen_class c =
	    g->destroyed && fuzz_gen_below(g, 4) == 0 ? FUZZ_GEN_SESSION : fuzz_gen_pick(g);
	uint32_t common = fuzz_gen_common[fuzz_gen_below(g, sizeof(fuzz_gen_common))];
	size_t len = 0, i;

	(void)cap;
	memset(info, 0, sizeof(*info));
	info->cls = c;
	info->queue = 1;
	switch (c) {
	case FUZZ_GEN_VALID:
		len = fuzz_gen_valid(g, common, buf, info);
		break;
	case FUZZ_GEN_MUTATED:
		len = fuzz_gen_valid(g, common, buf, info);
		for (i = 1 + fuzz_gen_below(g, 4); i && len > FUSE_MSG_IN_HDR; i--)
			buf[FUSE_MSG_IN_HDR + fuzz_gen_below(g, len - FUSE_MSG_IN_HDR)] ^=
			    (uint8_t)(1 + fuzz_gen_below(g, 255));
		break;
	case FUZZ_GEN_ANY_OPCODE:
		len = FUSE_MSG_IN_HDR + fuzz_gen_below(g, 257);
		for (i = FUSE_MSG_IN_HDR; i < len; i++)
			buf[i] = fuzz_gen_below(g, 3) ? 0 : (uint8_t)fuzz_gen_rand(g);
		fuzz_gen_header(g, buf, (uint32_t)fuzz_gen_below(g, 256), fuzz_gen_node(g), len,
				info);
		break;
	case FUZZ_GEN_WRONG_LEN: {
		const uint32_t lens[] = {0, 20, 39, 41, 0xffffffffu, (uint32_t)fuzz_gen_rand(g)};
		struct fuse_in_header *h = (struct fuse_in_header *)(void *)buf;

		len = fuzz_gen_valid(g, common, buf, info);
		h->len = fuzz_gen_below(g, 2) ? lens[fuzz_gen_below(g, 6)]
					      : h->len + (fuzz_gen_below(g, 2) ? 1 : -1u);
		break;
	}
	case FUZZ_GEN_BAD_NAME:
		len = fuzz_gen_bad_name(g, buf, info);
		break;
	case FUZZ_GEN_UNKNOWN_NODE:
		len = fuzz_gen_valid(g, common, buf, info);
		((struct fuse_in_header *)(void *)buf)->nodeid =
		    fuzz_gen_below(g, 2) ? fuzz_gen_rand(g) : 2 + fuzz_gen_below(g, 1000);
		if (len >= FUSE_MSG_IN_HDR + 8 &&
		    fuzz_gen_below(g, 2)) /* and a bogus handle where one leads */
			memcpy(buf + FUSE_MSG_IN_HDR, &(uint64_t){fuzz_gen_rand(g)}, 8);
		break;
	case FUZZ_GEN_FORGET:
		len = fuzz_gen_forget(g, buf, info);
		break;
	case FUZZ_GEN_RW_EDGE:
		len = fuzz_gen_rw_edge(g, buf, info);
		break;
	case FUZZ_GEN_SESSION:
		len = fuzz_gen_session(g, buf, info);
		break;
	case FUZZ_GEN_SHORT:
		len = 1 + fuzz_gen_below(g, FUSE_MSG_IN_HDR - 1);
		fuzz_gen_valid(g, common, buf, info);
		((struct fuse_in_header *)(void *)buf)->len = (uint32_t)len;
		break;
	case FUZZ_GEN_HUGE:
		len = (1u << 20) + 8192 + fuzz_gen_below(g, 4096);
		fuzz_gen_valid(g, FUSE_WRITE, buf, info);
		memset(buf + FUSE_MSG_IN_HDR + sizeof(struct fuse_write_in), 'h',
		       len - FUSE_MSG_IN_HDR - sizeof(struct fuse_write_in));
		((struct fuse_in_header *)(void *)buf)->len = (uint32_t)len;
		((struct fuse_write_in *)(void *)(buf + FUSE_MSG_IN_HDR))->size =
		    (uint32_t)(len - FUSE_MSG_IN_HDR - sizeof(struct fuse_write_in));
		break;
	default:
		break;
	}
	return len;
}
