/* gen_corpus.c - writes the seed corpora in fuzz/corpus/<target>/ from valid messages:
 * FUSE requests encoded with fuse_msg_encode, well-formed replies, vhost-user replies, ring
 * layouts, a driver's register sequence, Bao requests, control messages, the seed
 * config-fs.yaml and the repository's scenario files. Usage: gen_corpus OUTDIR (run from
 * the repository root). Deterministic: the same tree gives the same files. */
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bao.h"
#include "fakebao.h"
#include "fakebao_ctl.h"
#include "fuse_msg.h"
#include "gen.h"
#include "vhost_user_msg.h"
#include "virtio_fs_config.h"
#include "fuse_trace.h"

int gen_write(const char *dir, const char *target, const char *name, const void *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, target);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	f = fopen(path, "wb");
	if (!f)
		return -errno;
	if (len && fwrite(buf, 1, len, f) != len) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) ? -errno : 0;
}

/* One valid request per known opcode, with names and data where the opcode takes them. */
static int gen_fuse_requests(const char *dir)
{
	uint8_t arg[128], buf[512], data[16] = "hello, virtiofs";
	char name[64];
	int n = 0;

	memset(arg, 0, sizeof(arg));
	for (uint32_t op = 0; op < 64; op++) {
		const struct fuse_msg_op *o = fuse_msg_op(op);
		struct fuse_msg_req r = {
		    .opcode = op, .unique = 2 + 2 * op, .nodeid = 1, .arg = arg};
		size_t len;

		if (!o)
			continue;
		r.arg_len = o->in_min;
		r.name1 = o->in_names >= 1 ? "file.txt" : NULL;
		r.name2 = o->in_names >= 2 ? "other.txt" : NULL;
		if (op == FUSE_WRITE) {
			struct fuse_write_in w = {.size = sizeof(data)};

			memcpy(arg, &w, sizeof(w));
			r.data = data;
			r.data_len = sizeof(data);
		} else if (op == FUSE_INIT) {
			struct fuse_init_in in = {
			    .major = 7, .minor = 36, .max_readahead = 1 << 20};

			memcpy(arg, &in, sizeof(in));
			r.arg_len = sizeof(in);
		} else if (op == FUSE_SETXATTR) {
			r.data = data;
			r.data_len = 4;
			memcpy(arg + 4, &(uint32_t){0}, 4);
			arg[0] = 4;
		}
		if (fuse_msg_encode(&r, buf, sizeof(buf), &len) == 0) {
			snprintf(name, sizeof(name), "%s", fuse_msg_op_name(op));
			n += !gen_write(dir, "fuse_request", name, buf, len);
		}
		memset(arg, 0, sizeof(arg));
	}
	return n;
}

/* fuzz_fuse_reply input: opcode, mode, unique(2), used delta(2), max_body(2), reply. */
static int gen_reply_one(const char *dir, const char *name, uint32_t op, int32_t error,
			 const void *body, size_t blen)
{
	uint8_t buf[1024];
	struct fuse_out_header h = {(uint32_t)(16 + blen), error, 2};

	memset(buf, 0, 8);
	buf[0] = (uint8_t)op;
	buf[1] = 0; /* exact used length */
	buf[2] = 2; /* unique 2 */
	memcpy(buf + 8, &h, sizeof(h));
	memcpy(buf + 24, body, blen);
	return !gen_write(dir, "fuse_reply", name, buf, 24 + blen);
}

static size_t gen_dirent(uint8_t *p, uint64_t ino, const char *name)
{
	struct fuse_dirent d = {
	    .ino = ino, .off = ino, .namelen = (uint32_t)strlen(name), .type = 8};
	size_t len = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + d.namelen);

	memset(p, 0, len);
	memcpy(p, &d, FUSE_NAME_OFFSET);
	memcpy(p + FUSE_NAME_OFFSET, name, d.namelen);
	return len;
}

static int gen_fuse_replies(const char *dir)
{
	uint8_t body[512];
	char name[64];
	size_t len = 0;
	int n = 0;

	memset(body, 0, sizeof(body));
	for (uint32_t op = 0; op < 64; op++) {
		const struct fuse_msg_op *o = fuse_msg_op(op);

		if (!o || o->no_reply)
			continue;
		snprintf(name, sizeof(name), "%s-ok", o->name);
		/* INIT's smallest form (8 bytes, before 7.5) is refused; seed the 7.23+ one. */
		n += gen_reply_one(dir, name, op, 0, body,
				   op == FUSE_INIT ? fuse_msg_init_out_size(36) : o->reply_min);
	}
	len += gen_dirent(body, 2, "a.txt");
	len += gen_dirent(body + len, 3, "subdir");
	len += gen_dirent(body + len, 4, "a-much-longer-file-name.data");
	n += gen_reply_one(dir, "READDIR-3", FUSE_READDIR, 0, body, len);
	n += gen_reply_one(dir, "LOOKUP-ENOENT", FUSE_LOOKUP, -2, NULL, 0);
	return n;
}

/* fuzz_reply_mut seeds. Apply mode: mode 0, mask u16, opcode u8, seed u64, cap u32, used id,
 * ring size, previous id (u16 each), unique u64, then the reply. Chain mode: mode 1, window page
 * u16, table offset u16, ring size u16, head u16, seg cap u8, then the window. */
static int gen_reply_mut_one(const char *dir, const char *name, uint32_t op, const void *body,
			     size_t blen)
{
	uint8_t buf[1024];
	struct fuse_out_header h = {(uint32_t)(16 + blen), 0, 2};
	uint16_t mask = 0x3ff, id = 3, ring = 64, prev = 2;
	uint64_t seed = 1, unique = 2;
	uint32_t cap = 4096;
	size_t o = 0;

	buf[o++] = 0;
	memcpy(buf + o, &mask, 2), o += 2;
	buf[o++] = (uint8_t)op;
	memcpy(buf + o, &seed, 8), o += 8;
	memcpy(buf + o, &cap, 4), o += 4;
	memcpy(buf + o, &id, 2), o += 2;
	memcpy(buf + o, &ring, 2), o += 2;
	memcpy(buf + o, &prev, 2), o += 2;
	memcpy(buf + o, &unique, 8), o += 8;
	memcpy(buf + o, &h, sizeof(h)), o += sizeof(h);
	memcpy(buf + o, body, blen), o += blen;
	return !gen_write(dir, "reply_mut", name, buf, o);
}

static int gen_reply_mut(const char *dir)
{
	uint8_t body[512], win[256];
	uint16_t hdr[4] = {1, 0, 8, 0}; /* window page 1 (0x1000), table at 0, 8 entries, head 0 */
	size_t len = 0;
	int n = 0;

	memset(body, 0, sizeof(body));
	n += gen_reply_mut_one(dir, "INIT", FUSE_INIT, body, sizeof(struct fuse_init_out));
	n += gen_reply_mut_one(dir, "LOOKUP", FUSE_LOOKUP, body, sizeof(struct fuse_entry_out));
	n += gen_reply_mut_one(dir, "GETATTR", FUSE_GETATTR, body, sizeof(struct fuse_attr_out));
	len += gen_dirent(body, 2, "a.txt");
	len += gen_dirent(body + len, 3, "subdir");
	n += gen_reply_mut_one(dir, "READDIR-2", FUSE_READDIR, body, len);
	/* A request descriptor then a reply descriptor, as Linux's virtio-fs queues them. */
	memset(win, 0, sizeof(win));
	win[0] = 1;
	memcpy(win + 1, hdr, sizeof(hdr));
	win[9] = 8;
	{
		uint8_t *t = win + 10;
		uint64_t a0 = 0x1000 + 160, a1 = 0x1000 + 200;
		uint32_t l0 = 40, l1 = 32;
		uint16_t f0 = 1, n0 = 1, f1 = 2, n1 = 0;

		memcpy(t, &a0, 8), memcpy(t + 8, &l0, 4), memcpy(t + 12, &f0, 2);
		memcpy(t + 14, &n0, 2);
		memcpy(t + 16, &a1, 8), memcpy(t + 24, &l1, 4), memcpy(t + 28, &f1, 2);
		memcpy(t + 30, &n1, 2);
	}
	n += !gen_write(dir, "reply_mut", "chain-request-reply", win, sizeof(win));
	return n;
}

/* The Rust virtiofsd's GET_CONFIG reply with --tag=myfs: {offset 0, size 40, flags 0} + the
 * config space (selector 14 = GET_CONFIG in the target's table, cfg size 40). */
static int gen_vhost_user_config(const char *dir)
{
	uint8_t buf[128], payload[12 + VIRTIO_FS_CONFIG_SIZE];
	uint32_t head[3] = {0, VIRTIO_FS_CONFIG_SIZE, 0};
	int len;

	memcpy(payload, head, sizeof(head));
	if (virtio_fs_config_build("myfs", 1, payload + 12))
		return 0;
	buf[0] = 14;
	buf[1] = VIRTIO_FS_CONFIG_SIZE;
	len = vhost_user_msg_encode(VHOST_USER_GET_CONFIG, VHOST_USER_VERSION | VHOST_USER_REPLY,
				    payload, sizeof(payload), buf + 2, sizeof(buf) - 2);
	return len > 0 &&
	       !gen_write(dir, "vhost_user_msg", "reply-GET_CONFIG", buf, (size_t)len + 2);
}

/* fuzz_vhost_user_msg input: selector (index into its table, bit 7 = encoders), cfg size, reply. */
static int gen_vhost_user(const char *dir)
{
	static const struct {
		uint8_t sel;
		uint32_t req;
		size_t plen;
	} r[] = {{0, VHOST_USER_GET_FEATURES, 8},
		 {7, VHOST_USER_GET_VRING_BASE, 8},
		 {10, VHOST_USER_GET_PROTOCOL_FEATURES, 8},
		 {12, VHOST_USER_GET_QUEUE_NUM, 8},
		 {3, VHOST_USER_SET_MEM_TABLE, 8}};
	uint8_t buf[64], payload[8] = {0, 0, 0, 0x75, 1, 0, 0, 0};
	char name[64];
	int n = 0, len;

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		buf[0] = r[i].sel;
		buf[1] = 0;
		len = vhost_user_msg_encode(r[i].req, VHOST_USER_VERSION | VHOST_USER_REPLY,
					    payload, r[i].plen, buf + 2, sizeof(buf) - 2);
		snprintf(name, sizeof(name), "reply-%s", vhost_user_msg_name(r[i].req));
		if (len > 0)
			n += !gen_write(dir, "vhost_user_msg", name, buf, (size_t)len + 2);
	}
	memset(buf, 0x11, sizeof(buf));
	buf[0] = 0x80 | 3;
	n += !gen_write(dir, "vhost_user_msg", "encoders", buf, sizeof(buf));
	n += gen_vhost_user_config(dir);
	return n;
}

/* fuzz_mmio_regs input: nqueues, log2 qmax, fail bits, pad; then {op, off16, value32, pick}. */
static size_t gen_mmio_access(uint8_t *p, uint8_t op, uint16_t off, uint32_t value, uint8_t pick)
{
	p[0] = op;
	memcpy(p + 1, &off, 2);
	memcpy(p + 3, &value, 4);
	p[7] = pick;
	return 8;
}

static int gen_mmio(const char *dir)
{
	uint8_t buf[1024];
	size_t len = 4;
	int q;

	buf[0] = 1;  /* 2 queues */
	buf[1] = 10; /* QueueNumMax 1024 */
	buf[2] = 0;
	buf[3] = 0;
	len += gen_mmio_access(buf + len, 0, 0x000, 0, 0); /* MagicValue */
	len += gen_mmio_access(buf + len, 0, 0x004, 0, 0); /* Version */
	len += gen_mmio_access(buf + len, 0, 0x008, 0, 0); /* DeviceID */
	len += gen_mmio_access(buf + len, 1, 0x070, 0, 0); /* Status reset */
	len += gen_mmio_access(buf + len, 1, 0x070, 1, 0); /* ACKNOWLEDGE */
	len += gen_mmio_access(buf + len, 1, 0x070, 3, 0); /* DRIVER */
	for (uint32_t sel = 0; sel < 2; sel++) {
		len += gen_mmio_access(buf + len, 1, 0x014, sel, 0);
		len += gen_mmio_access(buf + len, 0, 0x010, 0, 0);
		len += gen_mmio_access(buf + len, 1, 0x024, sel, 0);
		len += gen_mmio_access(buf + len, 1, 0x020, sel ? 0x3 : 0x30000000, 0);
	}
	len += gen_mmio_access(buf + len, 1, 0x070, 0xb, 0); /* FEATURES_OK */
	len += gen_mmio_access(buf + len, 0, 0x070, 0, 0);
	for (q = 0; q < 2; q++) {
		uint32_t base = 0x10000000u + (uint32_t)q * 0x10000u;

		len += gen_mmio_access(buf + len, 1, 0x030, (uint32_t)q, 0);
		len += gen_mmio_access(buf + len, 0, 0x034, 0, 0);
		len += gen_mmio_access(buf + len, 1, 0x038, 64, 0);
		len += gen_mmio_access(buf + len, 1, 0x080, base, 0);
		len += gen_mmio_access(buf + len, 1, 0x084, 0, 0);
		len += gen_mmio_access(buf + len, 1, 0x090, base + 0x400, 0);
		len += gen_mmio_access(buf + len, 1, 0x094, 0, 0);
		len += gen_mmio_access(buf + len, 1, 0x0a0, base + 0x1000, 0);
		len += gen_mmio_access(buf + len, 1, 0x0a4, 0, 0);
		len += gen_mmio_access(buf + len, 1, 0x044, 1, 0);
	}
	len += gen_mmio_access(buf + len, 1, 0x070, 0xf, 0);  /* DRIVER_OK */
	len += gen_mmio_access(buf + len, 3, 0, 0, 1);	      /* notify queue 1 */
	len += gen_mmio_access(buf + len, 0, 0x060, 0, 0);    /* InterruptStatus */
	len += gen_mmio_access(buf + len, 1, 0x064, 1, 0);    /* InterruptACK */
	len += gen_mmio_access(buf + len, 0x10, 0x100, 0, 0); /* config byte reads (width 1) */
	len += gen_mmio_access(buf + len, 0x02, 0x070, 0, 1 | (4 << 2)); /* Bao READ of Status */
	len += gen_mmio_access(buf + len, 1, 0x070, 0, 0);		 /* reset */
	return !gen_write(dir, "mmio_regs", "linux-probe", buf, len);
}

/* fuzz_bao_request input: nr_vcpus, nslots, slot tags (8 each), then 34-byte requests. */
static int gen_bao(const char *dir)
{
	uint8_t buf[256];
	size_t len = 0;
	uint64_t tag = 0x100;

	buf[len++] = 1;
	buf[len++] = 1;
	memcpy(buf + len, &tag, 8);
	len += 8;
	for (int op = 0; op < 2; op++) {
		uint64_t addr = 0xa003e70, value = 0xf, id = 0x100;

		buf[len++] = 0;
		memcpy(buf + len, &addr, 8);
		len += 8;
		buf[len++] = (uint8_t)(op ? BAO_IO_READ : BAO_IO_WRITE);
		memcpy(buf + len, &value, 8);
		len += 8;
		buf[len++] = 4;
		memcpy(buf + len, &id, 8);
		len += 8;
	}
	return !gen_write(dir, "bao_request", "complete-then-stale", buf, len);
}

static int gen_ctl(const char *dir)
{
	uint8_t buf[1 + sizeof(struct fakebao_ctl_msg)];
	struct fakebao_ctl_msg m;
	char name[32];
	int n = 0;

	for (uint32_t op = FAKEBAO_CTL_HELLO; op <= FAKEBAO_CTL_DOORBELL; op++) {
		for (int reply = 0; reply < 2; reply++) {
			memset(&m, 0, sizeof(m));
			m.magic = FAKEBAO_CTL_MAGIC;
			m.op = op;
			buf[0] = (uint8_t)(1 | (reply << 1));
			memcpy(buf + 1, &m, sizeof(m));
			snprintf(name, sizeof(name), "op%u-%s", op, reply ? "reply" : "request");
			n += !gen_write(dir, "fakebao_ctl", name, buf, sizeof(buf));
		}
	}
	return n;
}

static const char gen_config_seed[] = "# the seed's config-fs.yaml (bao-demos-virtio demo-3)\n"
				      "devices:\n"
				      "  - id: 0\n"
				      "    type: \"fs\"\n"
				      "    mmio_addr: 0xa003e00\n"
				      "    data_plane: vhost_user\n"
				      "    socket_path: \"/root/\"\n";
static const char gen_config_full[] = "devices:\n"
				      "  - id: 0\n"
				      "    type: fs\n"
				      "    mmio_addr: 0xa003e00\n"
				      "    data_plane: vhost_user\n"
				      "    socket_path: '/tmp/run/'\n"
				      "    tag: myfs\n"
				      "    queue_size: 256\n"
				      "    num_request_queues: 1\n"
				      "  - id: 1\n"
				      "    type: \"fs\"\n"
				      "    mmio_addr: 0xa004000 # second device\n"
				      "    data_plane: vhost_user\n"
				      "    socket_path: \"/root/\"\n";
/* YAML as a real user writes it: flow style, anchors and aliases, a merge key, keys the
 * harness does not use. */
static const char gen_config_yaml[] =
    "x-common: {fs: &fs fs, sock: &sock \"/run/bao/\"}\n"
    "devices:\n"
    "  - &dev0\n"
    "    id: 0\n"
    "    type: *fs\n"
    "    mmio_addr: 0xa003e00\n"
    "    data_plane: vhost_user\n"
    "    socket_path: *sock\n"
    "    tap_name: tap0 # not for fs\n"
    "  - {id: 1, type: *fs, mmio_addr: 0o1200, data_plane: vhost_user,\n"
    "     socket_path: *sock, tag: ~, queue_size: 0b100}\n"
    "  - <<: *dev0\n"
    "    id: 2\n";

/* virtio-fs config spaces: the Rust virtiofsd's with --tag=myfs, a tag filling all 36 bytes,
 * two request queues. */
/* The hypervisor's records (version 2): a stack, a QueueNotify write, the kick before it with
 * the avail ring, a descriptor and the LOOKUP's bytes, its used element with the reply written,
 * an interrupt. */
static int gen_fuse_trace_v2(const char *dir, const uint8_t *req, size_t req_len,
			     const uint8_t *reply)
{
	struct fuse_trace_stack st = {0x10000000, 0x1000000, 0xa003e00, 0x200, 1};
	struct fuse_trace_mmio m = {.addr = 0xa003e50, .value = 1, .width = 4};
	struct fuse_trace_kick k = {.queue = 1, .flags = FUSE_TRACE_KICK_NOTIFY, .chains = 1};
	struct fuse_trace_used u = {.queue = 1, .id = 0, .len = 16};
	uint8_t fst[FUSE_TRACE_STACK_LEN], fm[FUSE_TRACE_MMIO_LEN], fk[FUSE_TRACE_KICK_LEN],
	    fu[FUSE_TRACE_USED_LEN], irq[FUSE_TRACE_IRQ_LEN] = {1}, kick[512], used[64];
	size_t kl = 0;
	char *mem = NULL;
	size_t memlen = 0;
	FILE *f = open_memstream(&mem, &memlen);
	int n;

	if (!f || req_len > 200)
		return 0;
	fuse_trace_put_stack(fst, &st);
	fuse_trace_put_mmio(fm, &m);
	fuse_trace_put_kick(fk, &k);
	fuse_trace_put_used(fu, &u);
	fuse_trace_put_region(kick, 0x10001000, 14, FUSE_TRACE_REG_AVAIL);
	memset(kick + 16, 0, 14);
	kick[16 + 2] = 1; /* avail idx 1 */
	kl = 30;
	fuse_trace_put_region(kick + kl, 0, 0, FUSE_TRACE_REG_HEAD);
	kl += 16;
	fuse_trace_put_region(kick + kl, 0x10000000, 16, FUSE_TRACE_REG_DESC);
	memset(kick + kl + 16, 0, 16);
	kl += 32;
	fuse_trace_put_region(kick + kl, 0x10002000, (uint32_t)req_len, FUSE_TRACE_REG_READABLE);
	memcpy(kick + kl + 16, req, req_len);
	kl += 16 + req_len;
	fuse_trace_put_region(kick + kl, 0x10003000, 4096, FUSE_TRACE_REG_WRITABLE);
	kl += 16;
	fuse_trace_put_region(used, 0x10003000, 16, FUSE_TRACE_REG_WRITTEN);
	memcpy(used + 16, reply, 16);
	fuse_trace_write_header(f);
	fuse_trace_write(f, &(struct fuse_trace_rec){FUSE_TRACE_KIND_STACK, fst,
						     (const uint8_t *)"scripted", NULL, sizeof(fst),
						     8, 0, 0});
	fuse_trace_write(f, &(struct fuse_trace_rec){FUSE_TRACE_KIND_KICK, fk, kick, NULL,
						     sizeof(fk), (uint32_t)kl, 0, 0});
	fuse_trace_write(
	    f, &(struct fuse_trace_rec){FUSE_TRACE_KIND_MMIO, fm, NULL, NULL, sizeof(fm), 0, 0, 0});
	fuse_trace_write(f, &(struct fuse_trace_rec){FUSE_TRACE_KIND_USED, fu, used, NULL,
						     sizeof(fu), 32, 0, 0});
	fuse_trace_write(f, &(struct fuse_trace_rec){FUSE_TRACE_KIND_IRQ, irq, NULL, NULL,
						     sizeof(irq), 0, 0, 0});
	fclose(f);
	n = !gen_write(dir, "fuse_trace", "hypervisor-view", mem, memlen);
	free(mem);
	return n;
}

/* A `run --record` trace: a LOOKUP with its ENOENT reply, a WRITE with its payload and reply,
 * a FORGET without one; and the header alone. */
static int gen_fuse_trace(const char *dir)
{
	static const uint8_t wdata[] = "hello";
	struct fuse_write_in wi = {.size = sizeof(wdata)};
	struct fuse_forget_in fi = {.nlookup = 1};
	struct fuse_msg_req lk = {.opcode = FUSE_LOOKUP, .unique = 2, .nodeid = 1, .name1 = "a"};
	struct fuse_msg_req wr = {.opcode = FUSE_WRITE,
				  .unique = 4,
				  .nodeid = 2,
				  .arg = &wi,
				  .arg_len = sizeof(wi),
				  .extra_len = sizeof(wdata)};
	struct fuse_msg_req fg = {
	    .opcode = FUSE_FORGET, .unique = 6, .nodeid = 2, .arg = &fi, .arg_len = sizeof(fi)};
	struct fuse_out_header enoent = {.len = 16, .error = -ENOENT, .unique = 2};
	uint8_t req[3][128], wout[24] = {0};
	size_t len[3];
	char *mem = NULL;
	size_t memlen = 0;
	FILE *f = open_memstream(&mem, &memlen);
	int n = 0;

	if (!f)
		return 0;
	struct fuse_out_header wh = {.len = 24, .unique = 4};
	struct fuse_write_out wo = {.size = sizeof(wdata)};

	memcpy(wout, &wh, sizeof(wh));
	memcpy(wout + sizeof(wh), &wo, sizeof(wo));
	if (fuse_msg_encode(&lk, req[0], sizeof(req[0]), &len[0]) ||
	    fuse_msg_encode(&wr, req[1], sizeof(req[1]), &len[1]) ||
	    fuse_msg_encode(&fg, req[2], sizeof(req[2]), &len[2]) || fuse_trace_write_header(f)) {
		fclose(f);
		free(mem);
		return 0;
	}
	fflush(f);
	n += !gen_write(dir, "fuse_trace", "header-only", mem, memlen);
	fuse_trace_write(f, &(struct fuse_trace_rec){FUSE_TRACE_KIND_FUSE, req[0], NULL,
						     (const uint8_t *)&enoent, (uint32_t)len[0], 0,
						     sizeof(enoent), 4096});
	fuse_trace_write(f, &(struct fuse_trace_rec){FUSE_TRACE_KIND_FUSE, req[1], wdata, wout,
						     (uint32_t)len[1], sizeof(wdata), sizeof(wout),
						     sizeof(wout)});
	fuse_trace_write(f, &(struct fuse_trace_rec){FUSE_TRACE_KIND_FUSE, req[2], NULL, NULL,
						     (uint32_t)len[2], 0, 0, 0});
	fclose(f);
	n += !gen_write(dir, "fuse_trace", "lookup-write-forget", mem, memlen);
	free(mem);
	return n + gen_fuse_trace_v2(dir, req[0], len[0], (const uint8_t *)&enoent);
}

static int gen_virtio_fs_config(const char *dir)
{
	uint8_t cfg[VIRTIO_FS_CONFIG_SIZE];
	int n = 0;

	if (!virtio_fs_config_build("myfs", 1, cfg))
		n += !gen_write(dir, "virtio_fs_config", "rust-tag-myfs", cfg, sizeof(cfg));
	if (!virtio_fs_config_build("abcdefghijklmnopqrstuvwxyz0123456789", 1, cfg))
		n += !gen_write(dir, "virtio_fs_config", "tag-36", cfg, sizeof(cfg));
	if (!virtio_fs_config_build("shared", 2, cfg))
		n += !gen_write(dir, "virtio_fs_config", "two-request-queues", cfg, sizeof(cfg));
	return n;
}

/* Copy every file matching pattern into the target's corpus under its base name. */
static int gen_copy_glob(const char *dir, const char *target, const char *pattern)
{
	static char data[1 << 20];
	glob_t g;
	int n = 0;

	if (glob(pattern, 0, NULL, &g))
		return 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		FILE *f = fopen(g.gl_pathv[i], "rb");
		size_t len;

		if (!f)
			continue;
		len = fread(data, 1, sizeof(data), f);
		fclose(f);
		n += !gen_write(dir, target, basename(g.gl_pathv[i]), data, len);
	}
	globfree(&g);
	return n;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "fuzz/corpus";
	int n = 0;

	n += gen_fuse_requests(dir);
	n += gen_fuse_replies(dir);
	n += gen_reply_mut(dir);
	n += gen_vhost_user(dir);
	n += gen_vq(dir);
	n += gen_mmio(dir);
	n += gen_bao(dir);
	n += gen_ctl(dir);
	n += !gen_write(dir, "dm_config", "seed-config-fs.yaml", gen_config_seed,
			sizeof(gen_config_seed) - 1);
	n += !gen_write(dir, "dm_config", "two-devices.yaml", gen_config_full,
			sizeof(gen_config_full) - 1);
	n += !gen_write(dir, "dm_config", "flow-anchors.yaml", gen_config_yaml,
			sizeof(gen_config_yaml) - 1);
	n += gen_copy_glob(dir, "dm_config", "scenarios/seed-files/*.yaml");
	n += gen_virtio_fs_config(dir);
	n += gen_fuse_trace(dir);
	n += gen_copy_glob(dir, "scn_parse", "scenarios/*.scn");
	n += gen_copy_glob(dir, "scn_parse", "scenarios/bad/*.scn");
	printf("gen_corpus: %d seed files under %s\n", n, dir);
	return n > 0 ? 0 : 1;
}
