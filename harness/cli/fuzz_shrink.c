/* fuzz_shrink.c - `baoharness fuzz fuse-requests --shrink FILE`: a whole-stack finding (a saved
 * request sequence that kills or hangs virtiofsd) made as small as it goes while it still ends
 * the backend the same way. The oracle message is the death's kind and virtiofsd's last log
 * line with its numbers and timestamps taken out; each test is the sequence on a fresh stack.
 * Delta debugging over requests first (chunks of halving size taken out while the message stays),
 * then over bytes (each request's body halved from the end, its header's length kept in step
 * when it was consistent). The result is saved beside the input as NAME.min.bin with its
 * replay command; `scenarios/test_fuzz_shrink.py` replays every .min.bin in make test. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "fuse_client.h"
#include "fuse_msg.h"
#include "fuzz_oracle.h"
#include "fuzz_report.h"
#include "fuzz_shrink.h"
#include "log.h"
#include "stack.h"

#define FUZZ_SHRINK_REPLY_CAP (128u * 1024u + 16u)
#define FUZZ_SHRINK_REQ_NS (3LL * 1000000000LL)
#define FUZZ_SHRINK_MAX_TESTS 400 /* a bound on the whole shrink (each test is a fresh stack) */

struct fuzz_shrink {
	struct stack_opts so;
	uint8_t *reply;
	unsigned int tests;
};

/* The message without what changes from run to run: digits, and a Rust log's timestamp. */
static void fuzz_shrink_normalise(const char *in, char *out, size_t len)
{
	size_t o = 0;

	if (in[0] == '[' && strchr(in, ']'))
		in = strchr(in, ']') + 1;
	while (*in == ' ')
		in++;
	for (; *in && o + 2 < len; in++) {
		if (*in >= '0' && *in <= '9') {
			if (!o || out[o - 1] != 'N')
				out[o++] = 'N';
			continue;
		}
		out[o++] = *in;
	}
	out[o] = '\0';
}

/* recs[0..n) on a fresh stack: 1 (with its message in msg) when the backend died or hung. */
static int fuzz_shrink_test(struct fuzz_shrink *z, const struct fuzz_rec *recs, int n, char *msg,
			    size_t len)
{
	struct timespec pause = {0, 50 * 1000000L};
	char health[256] = "", last[200], norm[200], why[160];
	struct stack st;
	const char *kind;
	int rc = 0, died;
	size_t used;

	z->tests++;
	msg[0] = '\0';
	if (stack_start(&st, &z->so))
		return -EIO;
	for (int i = 0; i < n && !health[0] && rc != -ETIMEDOUT; i++) {
		scripted_fe_set_deadline(st.fe, clock_now_ns() + FUZZ_SHRINK_REQ_NS);
		rc = fuse_client_raw(scripted_fe_client(st.fe), recs[i].queue, recs[i].buf,
				     recs[i].len, z->reply, FUZZ_SHRINK_REPLY_CAP, &used);
		stack_health(&st, health, sizeof(health));
	}
	if (!health[0]) {
		nanosleep(&pause, NULL);
		stack_health(&st, health, sizeof(health));
	}
	died = health[0] != '\0' || rc == -ETIMEDOUT;
	if (died) {
		kind = rc == -ETIMEDOUT && !health[0]
			   ? "hang"
			   : fuzz_oracle_death_kind(st.vfsd_log, health, last, sizeof(last));
		fuzz_shrink_normalise(rc == -ETIMEDOUT && !health[0] ? "" : last, norm,
				      sizeof(norm));
		snprintf(msg, len, "%s: %s", kind, norm);
	}
	/* A dead backend makes the teardown's reset wait for a reconnect: a fresh one first. */
	if (st.vfsd_pid <= 0 && st.dm_pid > 0)
		(void)stack_fault_restart_backend(&st, why, sizeof(why));
	if (st.fe)
		scripted_fe_set_deadline(st.fe, clock_now_ns() + 1000000000LL);
	stack_stop(&st);
	return died;
}

static int fuzz_shrink_same(struct fuzz_shrink *z, const struct fuzz_rec *recs, int n,
			    const char *want)
{
	char msg[300];

	if (z->tests >= FUZZ_SHRINK_MAX_TESTS)
		return 0;
	return fuzz_shrink_test(z, recs, n, msg, sizeof(msg)) == 1 && !strcmp(msg, want);
}

/* Take out chunks of requests, halving the chunk, while the message stays. Returns the new n. */
static int fuzz_shrink_requests(struct fuzz_shrink *z, struct fuzz_rec *recs, int n,
				const char *want)
{
	struct fuzz_rec *tmp = malloc(sizeof(*tmp) * (size_t)n);

	if (!tmp)
		return n;
	for (int chunk = n / 2 ? n / 2 : 1; chunk >= 1; chunk /= 2) {
		for (int start = 0; start < n && n > 1;) {
			int m = 0, end = start + chunk < n ? start + chunk : n;

			for (int i = 0; i < n; i++)
				if (i < start || i >= end)
					tmp[m++] = recs[i];
			if (m > 0 && fuzz_shrink_same(z, tmp, m, want)) {
				for (int i = start; i < end; i++)
					free(recs[i].buf);
				memmove(recs + start, recs + end,
					sizeof(*recs) * (size_t)(n - end));
				n = m;
			} else {
				start += chunk;
			}
		}
	}
	free(tmp);
	return n;
}

unsigned int fuzz_shrink_halve(uint8_t *buf, uint32_t *len, int (*same)(void *arg), void *arg)
{
	unsigned int tests = 0;

	while (*len > FUSE_MSG_IN_HDR) {
		uint32_t old = *len, hdr_len;
		uint32_t shorter = FUSE_MSG_IN_HDR + (old - FUSE_MSG_IN_HDR) / 2;

		memcpy(&hdr_len, buf, 4);
		*len = shorter;
		if (hdr_len == old) /* a consistent header stays consistent */
			memcpy(buf, &shorter, 4);
		tests++;
		if (same(arg))
			continue;
		*len = old;
		memcpy(buf, &hdr_len, 4);
		break;
	}
	return tests;
}

struct fuzz_shrink_bytes_arg {
	struct fuzz_shrink *z;
	struct fuzz_rec *recs;
	int n;
	const char *want;
};

static int fuzz_shrink_bytes_same(void *arg)
{
	struct fuzz_shrink_bytes_arg *a = arg;

	return fuzz_shrink_same(a->z, a->recs, a->n, a->want);
}

/* Halve each request's body from the end while the message stays. */
static void fuzz_shrink_bytes(struct fuzz_shrink *z, struct fuzz_rec *recs, int n, const char *want)
{
	struct fuzz_shrink_bytes_arg a = {z, recs, n, want};

	for (int i = 0; i < n; i++)
		fuzz_shrink_halve(recs[i].buf, &recs[i].len, fuzz_shrink_bytes_same, &a);
}

static size_t fuzz_shrink_bytes_of(const struct fuzz_rec *recs, int n)
{
	size_t b = 0;

	for (int i = 0; i < n; i++)
		b += recs[i].len;
	return b;
}

int fuzz_shrink_main(const char *file, const struct stack_opts *so, const char *out_file)
{
	struct fuzz_shrink z = {.so = *so};
	struct fuzz_rec *recs;
	char want[300], again[300], out[4096];
	int n = fuzz_report_load(file, &recs), n0, r;
	size_t b0;

	if (n < 0) {
		fprintf(stderr, "fuzz: cannot read %s: %s\n", file, strerror(-n));
		return 2;
	}
	z.reply = malloc(FUZZ_SHRINK_REPLY_CAP);
	n0 = n;
	b0 = fuzz_shrink_bytes_of(recs, n);
	r = z.reply ? fuzz_shrink_test(&z, recs, n, want, sizeof(want)) : -ENOMEM;
	if (r != 1) {
		fprintf(stderr,
			"fuzz: %s does not end the backend on a fresh stack%s: nothing to "
			"shrink\n",
			file, r < 0 ? " (the stack did not start)" : "");
		fuzz_report_free_recs(recs, n);
		free(z.reply);
		return r < 0 ? 3 : 1;
	}
	fprintf(stderr, "fuzz: %s: %d requests, %zu bytes; oracle \"%s\"\n", file, n, b0, want);
	n = fuzz_shrink_requests(&z, recs, n, want);
	fuzz_shrink_bytes(&z, recs, n, want);
	/* The result must still do it, once more, on its own. */
	if (fuzz_shrink_test(&z, recs, n, again, sizeof(again)) != 1 || strcmp(again, want)) {
		fprintf(stderr,
			"fuzz: the shrunk sequence no longer reproduces (\"%s\"): kept %s\n", again,
			file);
		fuzz_report_free_recs(recs, n);
		free(z.reply);
		return 1;
	}
	if (out_file)
		snprintf(out, sizeof(out), "%s", out_file);
	else if (strlen(file) > 4 && !strcmp(file + strlen(file) - 4, ".bin"))
		snprintf(out, sizeof(out), "%.*s.min.bin", (int)(strlen(file) - 4), file);
	else
		snprintf(out, sizeof(out), "%s.min.bin", file);
	r = fuzz_report_save(out, recs, n);
	if (r)
		fprintf(stderr, "fuzz: cannot write %s: %s\n", out, strerror(-r));
	else
		printf("shrunk %s: %d -> %d requests, %zu -> %zu bytes, %u tests; oracle \"%s\"\n"
		       "saved %s; replay: baoharness fuzz fuse-requests%s%s --replay %s\n",
		       file, n0, n, b0, fuzz_shrink_bytes_of(recs, n), z.tests, want, out,
		       so->virtiofsd ? " --virtiofsd " : "", so->virtiofsd ? so->virtiofsd : "",
		       out);
	fuzz_report_free_recs(recs, n);
	free(z.reply);
	return r ? 1 : 0;
}
