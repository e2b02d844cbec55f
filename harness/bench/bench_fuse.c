/* bench_fuse.c - the FUSE workloads. QD1 goes through the typed fuse_ops (what scenario steps
 * use); deeper queues keep qd requests in flight with fuse_client_submit_async/_complete, each
 * slot owning its window buffers and resubmitted as soon as it completes. */
#include "clock.h"
#include "bench_fuse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse_ops.h"
#include "log.h"

#define BENCH_QD_MAX 256u
#define BENCH_IN_CAP 128u

struct bench_slot {
	struct fuse_client_req r; /* first: completions hand back &r */
	uint64_t in_gpa, data_gpa, out_gpa;
	uint32_t out_cap;
	int64_t t0;
};

static int bench_host_file(const char *dir, const char *name, int flags, int *fd)
{
	char path[4200];
	static char buf[BENCH_FILE_SIZE];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (*fd < 0)
		return -errno;
	memset(buf, 0xa5, sizeof(buf));
	if (pwrite(*fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf)) {
		close(*fd);
		return -EIO;
	}
	if (!flags) {
		close(*fd);
		*fd = -1;
	}
	return 0;
}

static int bench_fuse_open(struct fuse_client *fc, const char *name, uint32_t flags, uint64_t *node,
			   uint64_t *fh)
{
	struct fuse_entry_out e;
	struct fuse_open_out o;
	int rc = fuse_ops_lookup(fc, FUSE_ROOT_ID, name, &e);

	if (rc)
		return rc;
	*node = e.nodeid;
	rc = fuse_ops_open(fc, e.nodeid, flags, &o);
	*fh = o.fh;
	return rc;
}

int bench_fuse_prepare(struct bench_path *p)
{
	int rc, keep = !p->fc;

	p->dir_fd = p->r_fd = p->w_fd = -1;
	rc = bench_host_file(p->share, "r4k.dat", keep, &p->r_fd);
	rc = rc ? rc : bench_host_file(p->share, "w4k.dat", keep, &p->w_fd);
	if (rc)
		return rc;
	if (!p->fc) {
		p->dir_fd = open(p->share, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return p->dir_fd < 0 ? -errno : 0;
	}
	rc = bench_fuse_open(p->fc, "r4k.dat", O_RDONLY, &p->r_node, &p->r_fh);
	return rc ? rc : bench_fuse_open(p->fc, "w4k.dat", O_RDWR, &p->w_node, &p->w_fh);
}

void bench_fuse_finish(struct bench_path *p)
{
	if (!p->fc) {
		int *fds[] = {&p->dir_fd, &p->r_fd, &p->w_fd};

		for (int i = 0; i < 3; i++)
			if (*fds[i] >= 0)
				close(*fds[i]), *fds[i] = -1;
		return;
	}
	if (p->r_node) {
		fuse_ops_release(p->fc, p->r_node, p->r_fh, O_RDONLY);
		fuse_ops_forget(p->fc, p->r_node, 1);
	}
	if (p->w_node) {
		fuse_ops_release(p->fc, p->w_node, p->w_fh, O_RDWR);
		fuse_ops_forget(p->fc, p->w_node, 1);
	}
	p->r_node = p->w_node = 0;
}

/* One operation, synchronously: host syscalls or the typed FUSE op. */
static int bench_fuse_one(struct bench_path *p, enum bench_op op, uint64_t off, uint8_t *buf)
{
	struct fuse_attr_out a;
	struct stat st;
	ssize_t n;

	switch (op) {
	case BENCH_GETATTR:
		if (!p->fc)
			return fstat(p->dir_fd, &st) ? -errno : 0;
		return fuse_ops_getattr(p->fc, FUSE_ROOT_ID, &a);
	case BENCH_READ4K:
		n = p->fc ? fuse_ops_read(p->fc, p->r_node, p->r_fh, off, buf, 4096)
			  : pread(p->r_fd, buf, 4096, (off_t)off);
		break;
	default:
		n = p->fc ? fuse_ops_write(p->fc, p->w_node, p->w_fh, off, buf, 4096)
			  : pwrite(p->w_fd, buf, 4096, (off_t)off);
		break;
	}
	if (n < 0)
		return p->fc ? (int)n : -errno;
	return n == 4096 ? 0 : -EIO;
}

/* Fill slot s's request for op at off with a fresh unique. */
static int bench_slot_encode(struct bench_path *p, struct bench_slot *s, enum bench_op op,
			     uint64_t off)
{
	struct fuse_getattr_in g = {0};
	struct fuse_read_in rd = {.fh = p->r_fh, .offset = off, .size = 4096};
	struct fuse_write_in wr = {.fh = p->w_fh, .offset = off, .size = 4096};
	struct fuse_msg_req m = {.unique = fuse_client_unique(p->fc), .nodeid = FUSE_ROOT_ID};
	size_t len = 0;
	int rc;

	if (op == BENCH_GETATTR) {
		m.opcode = FUSE_GETATTR, m.arg = &g, m.arg_len = sizeof(g);
	} else if (op == BENCH_READ4K) {
		m.opcode = FUSE_READ, m.nodeid = p->r_node, m.arg = &rd, m.arg_len = sizeof(rd);
	} else {
		m.opcode = FUSE_WRITE, m.nodeid = p->w_node, m.arg = &wr, m.arg_len = sizeof(wr);
		m.extra_len = 4096; /* the data rides in its own readable descriptor */
	}
	rc = fuse_msg_encode(&m, window_alloc_hva(p->fc->wa, s->in_gpa, BENCH_IN_CAP), BENCH_IN_CAP,
			     &len);
	if (rc)
		return rc;
	s->r = (struct fuse_client_req){.in_gpa = s->in_gpa,
					.in_len = (uint32_t)len,
					.out_gpa = s->out_gpa,
					.out_len = s->out_cap,
					.queue = 1};
	if (op == BENCH_WRITE4K)
		s->r.data_gpa = s->data_gpa, s->r.data_len = 4096;
	s->t0 = clock_now_ns();
	return fuse_client_submit_async(p->fc, &s->r);
}

/* A completed slot: transport status and FUSE error both 0, reply long enough. */
static int bench_slot_check(struct bench_path *p, struct bench_slot *s, enum bench_op op)
{
	const struct fuse_out_header *h =
	    window_alloc_hva(p->fc->wa, s->out_gpa, sizeof(struct fuse_out_header));
	uint32_t want = op == BENCH_GETATTR  ? 16 + sizeof(struct fuse_attr_out)
			: op == BENCH_READ4K ? 16 + 4096
					     : 16 + sizeof(struct fuse_write_out);

	if (s->r.status || s->r.used_len < want || !h || h->error) {
		log_err("bench: %s failed: status %d used %u error %d",
			fuse_msg_op_name(s->r.opcode), s->r.status, s->r.used_len,
			h ? h->error : 0);
		return -EIO;
	}
	return 0;
}

static int bench_slots_alloc(struct fuse_client *fc, struct bench_slot *s, unsigned int qd)
{
	for (unsigned int i = 0; i < qd; i++) {
		s[i].out_cap = 16 + 4096;
		if (window_alloc_get(fc->wa, BENCH_IN_CAP, 64, &s[i].in_gpa) ||
		    window_alloc_get(fc->wa, 4096, 4096, &s[i].data_gpa) ||
		    window_alloc_get(fc->wa, s[i].out_cap, 64, &s[i].out_gpa))
			return -ENOMEM;
		memset(window_alloc_hva(fc->wa, s[i].data_gpa, 4096), 0x5a, 4096);
	}
	return 0;
}

static void bench_slots_free(struct fuse_client *fc, struct bench_slot *s, unsigned int qd)
{
	for (unsigned int i = 0; i < qd; i++) {
		if (s[i].in_gpa)
			window_alloc_put(fc->wa, s[i].in_gpa, BENCH_IN_CAP);
		if (s[i].data_gpa)
			window_alloc_put(fc->wa, s[i].data_gpa, 4096);
		if (s[i].out_gpa)
			window_alloc_put(fc->wa, s[i].out_gpa, s[i].out_cap);
	}
}

/* qd requests kept in flight until dur_ns has passed, then drained. */
static int bench_fuse_async(struct bench_path *p, enum bench_op op, unsigned int qd, int64_t end,
			    struct bench_lat *l, uint64_t *ops)
{
	struct bench_slot *s = calloc(qd, sizeof(*s));
	unsigned int inflight = 0;
	uint64_t next = 0;
	int rc;

	if (!s)
		return -ENOMEM;
	rc = bench_slots_alloc(p->fc, s, qd);
	for (unsigned int i = 0; !rc && i < qd; i++, inflight++)
		rc = bench_slot_encode(p, &s[i], op, (next++ % 256) * 4096);
	while (inflight) {
		struct fuse_client_req *r;
		struct bench_slot *d;
		int64_t now;
		int c = fuse_client_complete(p->fc, &r);

		if (c) { /* the device owns the buffers now: leak them rather than reuse */
			log_err("bench: completion wait failed: %d", c);
			free(s);
			return c;
		}
		d = (struct bench_slot *)r;
		inflight--;
		now = clock_now_ns();
		bench_lat_add(l, (uint64_t)(now - d->t0));
		(*ops)++;
		rc = rc ? rc : bench_slot_check(p, d, op);
		if (!rc && now < end) {
			rc = bench_slot_encode(p, d, op, (next++ % 256) * 4096);
			inflight += !rc;
		}
	}
	bench_slots_free(p->fc, s, qd);
	free(s);
	return rc;
}

int bench_fuse_run(struct bench_path *p, enum bench_op op, unsigned int qd, int64_t dur_ns,
		   struct bench_lat *l, struct bench_run *out)
{
	static uint8_t buf[4096];
	struct bench_counts c0, c1;
	int64_t t0, end, t1;
	int rc = 0;

	if (qd < 1 || qd > BENCH_QD_MAX)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	l->n = 0;
	bench_stats_path_counts(p, &c0);
	t0 = clock_now_ns();
	end = t0 + dur_ns;
	if (qd == 1 || !p->fc) {
		for (uint64_t i = 0; !rc; i++) {
			int64_t a = clock_now_ns(), b;

			rc = bench_fuse_one(p, op, (i % 256) * 4096, buf);
			b = clock_now_ns();
			bench_lat_add(l, (uint64_t)(b - a));
			out->ops++;
			if (b >= end)
				break;
		}
	} else {
		rc = bench_fuse_async(p, op, qd, end, l, &out->ops);
	}
	t1 = clock_now_ns();
	bench_stats_path_counts(p, &c1);
	out->delta = (struct bench_counts){c1.traps - c0.traps, c1.kicks - c0.kicks,
					   c1.irqs - c0.irqs, c1.bus - c0.bus};
	out->ops_s = (double)out->ops * 1e9 / (double)(t1 - t0);
	out->p50_us = bench_stats_lat_pct_us(l, 50);
	out->p99_us = bench_stats_lat_pct_us(l, 99);
	return rc;
}

/* Stream bytes through the path in 1 MiB chunks; the file is seq.dat in the share. */
static int bench_fuse_stream(struct bench_path *p, bool write, uint64_t bytes, uint8_t *buf)
{
	uint64_t node = 0, fh = 0;
	struct fuse_entry_out e;
	struct fuse_open_out o;
	char path[4200];
	int fd = -1, rc = 0;

	/* Later rounds overwrite the file in place: its page cache stays, so no round pays for
	 * pages this VM handed back to its host in between (see bench_seq_warmup). */
	snprintf(path, sizeof(path), "%s/seq.dat", p->share);
	if (!p->fc) {
		fd =
		    open(path, write ? O_WRONLY | O_CREAT | O_CLOEXEC : O_RDONLY | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
	} else if (write && access(path, F_OK) == 0) {
		rc = bench_fuse_open(p->fc, "seq.dat", O_RDWR, &node, &fh);
	} else if (write) {
		/* CREATE must carry O_EXCL: virtiofsd 7.2 aborts otherwise */
		rc = fuse_ops_create(p->fc, FUSE_ROOT_ID, "seq.dat", O_RDWR | O_CREAT | O_EXCL,
				     0644, &e, &o);
		node = e.nodeid, fh = o.fh;
	} else {
		rc = bench_fuse_open(p->fc, "seq.dat", O_RDONLY, &node, &fh);
	}
	for (uint64_t off = 0; !rc && off < bytes; off += BENCH_SEQ_CHUNK) {
		ssize_t n;

		if (!p->fc)
			n = write ? pwrite(fd, buf, BENCH_SEQ_CHUNK, (off_t)off)
				  : pread(fd, buf, BENCH_SEQ_CHUNK, (off_t)off);
		else
			n = write ? fuse_ops_write(p->fc, node, fh, off, buf, BENCH_SEQ_CHUNK)
				  : fuse_ops_read(p->fc, node, fh, off, buf, BENCH_SEQ_CHUNK);
		if (n != BENCH_SEQ_CHUNK)
			rc = n < 0 ? (int)n : -EIO; /* io_max below 1 MiB shows up here */
	}
	if (fd >= 0)
		close(fd);
	if (node) {
		fuse_ops_release(p->fc, node, fh, write ? O_RDWR : O_RDONLY);
		fuse_ops_forget(p->fc, node, 1);
	}
	return rc;
}

int bench_fuse_seq(struct bench_path *p, bool write, uint64_t bytes, struct bench_run *out)
{
	uint8_t *buf = malloc(BENCH_SEQ_CHUNK);
	struct bench_counts c0, c1;
	int64_t t0, t1;
	int rc;

	if (!buf)
		return -ENOMEM;
	memset(buf, 0x3c, BENCH_SEQ_CHUNK);
	memset(out, 0, sizeof(*out));
	bench_stats_path_counts(p, &c0);
	t0 = clock_now_ns();
	rc = bench_fuse_stream(p, write, bytes, buf);
	t1 = clock_now_ns();
	bench_stats_path_counts(p, &c1);
	free(buf);
	out->delta = (struct bench_counts){c1.traps - c0.traps, c1.kicks - c0.kicks,
					   c1.irqs - c0.irqs, c1.bus - c0.bus};
	out->ops = bytes / BENCH_SEQ_CHUNK;
	out->ops_s = (double)bytes / 1e6 / ((double)(t1 - t0) / 1e9); /* MB/s */
	return rc;
}
