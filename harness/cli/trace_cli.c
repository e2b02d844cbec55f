/* trace_cli.c - `baoharness trace show FILE`: each record on one line - a FUSE request/reply
 * pair (opcode's name, unique, node id, names, payload size, the reply's errno name), a host
 * step, a stack, a trapped access (vCPU, register name, width, value, result), a kick (each
 * chain's FUSE request decoded from its readable bytes), a used element (the reply's header
 * decoded from the bytes written), an interrupt - read through the pure trace parser (a
 * malformed file is an error naming the offset, never a crash). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fuse.h>

#include "fuse_msg.h"
#include "fuse_trace.h"
#include "run.h"
#include "scn.h"
#include "stack.h"
#include "virtio_mmio_regs.h"
#include "trace_cli.h"

/* Whole trace files are read into memory: a run's trace is far smaller than this. */
#define TRACE_CLI_FILE_MAX (1ull << 30)

static void trace_cli_name(const char *label, const char *s)
{
	if (!s)
		return;
	printf(" %s\"", label);
	for (; *s; s++)
		printf(*s >= 0x20 && *s < 0x7f && *s != '"' ? "%c" : "\\x%02x", (unsigned char)*s);
	printf("\"");
}

/* A FUSE request's bytes: "LOOKUP unique 4 nodeid 1 "name"" or why it does not decode. */
static void trace_cli_request(const uint8_t *req, size_t len)
{
	struct fuse_msg_in in;
	char why[160];

	if (fuse_msg_decode_request(req, len, &in, why, sizeof(why)) == 0) {
		printf("%s unique %llu nodeid %llu", in.op->name, (unsigned long long)in.hdr.unique,
		       (unsigned long long)in.hdr.nodeid);
		trace_cli_name("", in.name1);
		trace_cli_name("-> ", in.name2);
		if (in.data_len)
			printf(" data %zu bytes", in.data_len);
	} else {
		printf("(undecodable request, %zu bytes: %s)", len, why);
	}
}

/* A reply's header from its first bytes (len of them; total in all). */
static void trace_cli_reply(const uint8_t *reply, size_t len, size_t total)
{
	struct fuse_out_header h;
	const char *en;

	if (len < sizeof(h)) {
		printf("%s", len ? "short reply" : "no reply");
		return;
	}
	memcpy(&h, reply, sizeof(h));
	en = h.error ? scn_errno_name(h.error) : "ok";
	printf("%s (%d), unique %llu, %zu bytes", en ? en : "errno", h.error,
	       (unsigned long long)h.unique, total);
}

/* A kick's chains, gathered region by region: each chain's readable bytes one request. */
struct trace_cli_kick {
	int in_chain;
	uint32_t head, nread, nwrite;
	uint64_t writable;
	uint8_t *req;
	size_t len;
};

static void trace_cli_kick_chain(struct trace_cli_kick *k)
{
	if (!k->in_chain)
		return;
	printf("    head %u: ", k->head);
	trace_cli_request(k->req, k->len);
	printf(" (readable %zu bytes in %u buffer%s, writable %llu in %u)\n", k->len, k->nread,
	       k->nread == 1 ? "" : "s", (unsigned long long)k->writable, k->nwrite);
	k->in_chain = 0;
	k->len = 0;
}

static int trace_cli_kick_region(void *arg, const struct fuse_trace_region *g, size_t index)
{
	struct trace_cli_kick *k = arg;
	uint8_t *nb;

	(void)index;
	if (g->type == FUSE_TRACE_REG_HEAD) {
		trace_cli_kick_chain(k);
		*k =
		    (struct trace_cli_kick){.in_chain = 1, .head = (uint32_t)g->gpa, .req = k->req};
	} else if (g->type == FUSE_TRACE_REG_WRITABLE) {
		k->writable += g->len;
		k->nwrite++;
	} else if (g->type == FUSE_TRACE_REG_READABLE && k->in_chain) {
		nb = realloc(k->req, k->len + g->len + 1);
		if (!nb)
			return -ENOMEM;
		k->req = nb;
		memcpy(k->req + k->len, g->bytes, g->len);
		k->len += g->len;
		k->nread++;
	}
	return 0;
}

/* The bytes a used element's regions hold, concatenated (at most cap). */
struct trace_cli_used {
	uint8_t buf[64];
	size_t len, total;
};

static int trace_cli_used_region(void *arg, const struct fuse_trace_region *g, size_t index)
{
	struct trace_cli_used *u = arg;
	size_t n = g->len < sizeof(u->buf) - u->len ? g->len : sizeof(u->buf) - u->len;

	(void)index;
	memcpy(u->buf + u->len, g->bytes, n);
	u->len += n;
	u->total += g->len;
	return 0;
}

/* The version-2 records: the hypervisor's view. */
static int trace_cli_show_v2(const struct fuse_trace_rec *r, size_t index)
{
	char why[160];

	if (r->kind == FUSE_TRACE_KIND_STACK) {
		struct fuse_trace_stack st;

		fuse_trace_get_stack(r, &st);
		printf(
		    "%zu stack: frontend %.*s, window [0x%llx, +0x%llx), registers 0x%llx+0x%llx, "
		    "%u vCPU%s\n",
		    index, (int)r->data_len, (const char *)r->data,
		    (unsigned long long)st.window_gpa, (unsigned long long)st.window_size,
		    (unsigned long long)st.mmio_base, (unsigned long long)st.mmio_size, st.vcpus,
		    st.vcpus == 1 ? "" : "s");
	} else if (r->kind == FUSE_TRACE_KIND_MMIO) {
		struct fuse_trace_mmio m;
		uint64_t off;

		fuse_trace_get_mmio(r, &m);
		off = m.addr - STACK_MMIO_BASE;
		printf("%zu mmio vCPU %u %s %s (0x%llx) width %u ", index, m.vcpu,
		       m.op ? "READ" : "WRITE",
		       off < STACK_MMIO_SIZE ? virtio_mmio_regs_name(off) : "?",
		       (unsigned long long)m.addr, m.width);
		if (m.result)
			printf("=> failed: %s\n", strerror(-m.result));
		else
			printf(m.op ? "=> 0x%llx\n" : "0x%llx\n", (unsigned long long)m.value);
	} else if (r->kind == FUSE_TRACE_KIND_KICK) {
		struct fuse_trace_kick k;
		struct trace_cli_kick kc = {0};
		long n;

		fuse_trace_get_kick(r, &k);
		printf("%zu kick queue %u (%s): %u chain%s\n", index, k.queue,
		       k.flags & FUSE_TRACE_KICK_NOTIFY ? "QueueNotify" : "no notify", k.chains,
		       k.chains == 1 ? "" : "s");
		n = fuse_trace_regions(r->data, r->data_len, trace_cli_kick_region, &kc, why,
				       sizeof(why));
		if (n >= 0)
			trace_cli_kick_chain(&kc);
		free(kc.req);
		if (n < 0)
			return (int)n;
	} else if (r->kind == FUSE_TRACE_KIND_USED) {
		struct fuse_trace_used u;
		struct trace_cli_used b = {0};

		fuse_trace_get_used(r, &u);
		printf("%zu used queue %u #%u head %u len %u: ", index, u.queue, u.pos, u.id,
		       u.len);
		if (fuse_trace_regions(r->data, r->data_len, trace_cli_used_region, &b, why,
				       sizeof(why)) < 0)
			return -EINVAL;
		if (b.total)
			trace_cli_reply(b.buf, b.len, b.total);
		else
			printf("nothing written");
		printf("\n");
	} else {
		uint64_t n = 0;

		for (int i = 7; i >= 0; i--)
			n = n << 8 | r->req[i];
		printf("%zu interrupt %llu\n", index, (unsigned long long)n);
	}
	return 0;
}

static int trace_cli_show_one(void *arg, const struct fuse_trace_rec *r, size_t index)
{
	uint8_t *whole = NULL;
	const uint8_t *req = r->req;
	size_t len = r->req_len;

	(void)arg;
	if (r->kind == FUSE_TRACE_KIND_HOST) {
		printf("%zu host step: %.*s\n", index, (int)r->req_len, (const char *)r->req);
		return 0;
	}
	if (r->kind != FUSE_TRACE_KIND_FUSE)
		return trace_cli_show_v2(r, index);
	/* A WRITE's payload went in its own descriptor: the header counts it. */
	if (r->data_len) {
		whole = malloc((size_t)r->req_len + r->data_len);
		if (!whole)
			return -ENOMEM;
		memcpy(whole, r->req, r->req_len);
		memcpy(whole + r->req_len, r->data, r->data_len);
		req = whole;
		len += r->data_len;
	}
	printf("%zu ", index);
	trace_cli_request(req, len);
	printf(" => ");
	trace_cli_reply(r->reply, r->reply_len, r->reply_len);
	printf("\n");
	free(whole);
	return 0;
}

int trace_cli_read(const char *path, uint8_t **buf, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st)) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (unsigned long long)st.st_size > TRACE_CLI_FILE_MAX) {
		rc = S_ISREG(st.st_mode) ? -E2BIG : -EINVAL;
		goto out;
	}
	*buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!*buf) {
		rc = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + got, (size_t)st.st_size - got);

		if (n <= 0) {
			rc = n ? -errno : -EIO;
			break;
		}
		got += (size_t)n;
	}
	*len = got;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

int trace_cli_main(int argc, char **argv)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char why[256];
	uint32_t version;
	long n;
	int rc;

	if (argc >= 2 && !strcmp(argv[1], "shrink"))
		return trace_shrink_main(argc - 1, argv + 1);
	if (argc != 3 || strcmp(argv[1], "show")) {
		fprintf(stderr,
			"usage: baoharness trace show FILE   (a `run --record FILE` trace)\n"
			"       baoharness trace shrink [--virtiofsd c|rust|PATH] [--out FILE] "
			"TRACE\n");
		return RUN_EXIT_USAGE;
	}
	rc = trace_cli_read(argv[2], &buf, &len);
	if (rc) {
		fprintf(stderr, "baoharness trace: cannot read %s: %s\n", argv[2], strerror(-rc));
		free(buf);
		return RUN_EXIT_FAIL;
	}
	n = fuse_trace_parse(buf, len, trace_cli_show_one, NULL, why, sizeof(why));
	version = n >= 0 ? fuse_trace_version(buf) : 0;
	free(buf);
	if (n < 0) {
		fflush(stdout);
		fprintf(stderr, "baoharness trace: %s: %s\n", argv[2],
			n == -EINVAL ? why : strerror((int)-n));
		return RUN_EXIT_FAIL;
	}
	printf("# %ld records (trace version %u)\n", n, version);
	return RUN_EXIT_PASS;
}
