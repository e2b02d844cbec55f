/* fuzz_report.c - histogram, findings, reproducer files and the result files of the
 * whole-stack fuzzer. Names in the output come from fuse_msg's opcode table and the
 * scenario errno table, never raw numbers alone. */
#include "fuzz_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuse_msg.h"
#include "scn.h"

void fuzz_report_count(struct fuzz_report *r, uint32_t opcode, int32_t err)
{
	for (unsigned i = 0; i < r->n_hist; i++) {
		if (r->hist[i].opcode == opcode && r->hist[i].err == err) {
			r->hist[i].n++;
			return;
		}
	}
	if (r->n_hist < FUZZ_HIST_MAX)
		r->hist[r->n_hist++] = (struct fuzz_hist_entry){opcode, err, 1};
}

struct fuzz_finding *fuzz_report_find(struct fuzz_report *r, const char *sig)
{
	for (unsigned i = 0; i < r->n_f; i++)
		if (!strcmp(r->f[i].sig, sig))
			return &r->f[i];
	return NULL;
}

static int fuzz_report_mkdirs(const char *path)
{
	char tmp[512];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(tmp, 0755) && errno != EEXIST ? -errno : 0;
}

int fuzz_report_save(const char *path, const struct fuzz_rec *recs, int n)
{
	FILE *f = fopen(path, "wbe");
	int ok = 1;

	if (!f)
		return -errno;
	for (int i = 0; i < n; i++) {
		uint16_t pad = 0;

		ok &= fwrite(&recs[i].len, 4, 1, f) == 1 && fwrite(&recs[i].queue, 2, 1, f) == 1 &&
		      fwrite(&pad, 2, 1, f) == 1 &&
		      fwrite(recs[i].buf, 1, recs[i].len, f) == recs[i].len;
	}
	return fclose(f) || !ok ? -EIO : 0;
}

int fuzz_report_load(const char *path, struct fuzz_rec **out)
{
	FILE *f = fopen(path, "rbe");
	struct fuzz_rec *recs = NULL;
	int n = 0;
	uint32_t len;
	uint16_t q[2];

	if (!f)
		return -errno;
	while (fread(&len, 4, 1, f) == 1 && fread(q, 2, 2, f) == 2) {
		struct fuzz_rec *nr = realloc(recs, sizeof(*recs) * (size_t)(n + 1));

		if (!nr || len > (64u << 20))
			goto bad;
		recs = nr;
		recs[n].len = len;
		recs[n].queue = q[0];
		recs[n].buf = malloc(len ? len : 1);
		if (!recs[n].buf || fread(recs[n].buf, 1, len, f) != len) {
			free(recs[n].buf);
			goto bad;
		}
		n++;
	}
	fclose(f);
	*out = recs;
	return n;
bad:
	fclose(f);
	fuzz_report_free_recs(recs, n);
	return -EINVAL;
}

void fuzz_report_free_recs(struct fuzz_rec *recs, int n)
{
	for (int i = 0; i < n; i++)
		free(recs[i].buf);
	free(recs);
}

struct fuzz_finding *fuzz_report_finding(struct fuzz_report *r, const char *sig, const char *detail,
					 int ours, double at_s, const struct fuzz_rec *recs, int n)
{
	struct fuzz_finding *f = fuzz_report_find(r, sig);

	if (f) {
		f->count++;
		return f;
	}
	if (r->n_f == FUZZ_FINDINGS_MAX)
		return NULL;
	f = &r->f[r->n_f++];
	memset(f, 0, sizeof(*f));
	snprintf(f->sig, sizeof(f->sig), "%s", sig);
	snprintf(f->detail, sizeof(f->detail), "%s", detail);
	f->count = 1;
	f->first_s = at_s;
	f->ours = ours;
	f->requests = n;
	if (r->regress_dir && n > 0 && !fuzz_report_mkdirs(r->regress_dir)) {
		snprintf(f->file, sizeof(f->file), "%s/%s.bin", r->regress_dir, sig);
		if (fuzz_report_save(f->file, recs, n))
			f->file[0] = '\0';
	}
	return f;
}

static void fuzz_report_err_name(int32_t err, char *buf, size_t len)
{
	const char *n = err < 0 ? scn_errno_name(err) : NULL;

	if (err == 0)
		snprintf(buf, len, "ok");
	else if (err == FUZZ_R_DROPPED)
		snprintf(buf, len, "dropped");
	else if (err == FUZZ_R_MALFORMED)
		snprintf(buf, len, "malformed");
	else if (err == FUZZ_R_TRANSPORT)
		snprintf(buf, len, "transport-error");
	else if (err == FUZZ_R_DIED)
		snprintf(buf, len, "backend-died");
	else if (n)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "E%d", -err);
}

static void fuzz_report_json(const struct fuzz_report *r, FILE *f, double secs, uint64_t seed)
{
	char name[32];
	unsigned pairs = 0;

	fprintf(f, "{\n  \"fuzzer\": \"fuse-requests\",\n  \"seed\": %llu,\n  \"seconds\": %.1f,\n",
		(unsigned long long)seed, secs);
	fprintf(f, "  \"requests\": %llu,\n  \"requests_per_sec\": %.1f,\n  \"restarts\": %llu,\n",
		(unsigned long long)r->requests, secs > 0 ? (double)r->requests / secs : 0.0,
		(unsigned long long)r->restarts);
	fprintf(f, "  \"virtiofsd_fds_max\": %d,\n  \"findings\": [", r->fds_max);
	for (unsigned i = 0; i < r->n_f; i++)
		fprintf(f,
			"%s\n    {\"sig\": \"%s\", \"count\": %u, \"ours\": %s, \"reproducer\": "
			"\"%s\"}",
			i ? "," : "", r->f[i].sig, r->f[i].count, r->f[i].ours ? "true" : "false",
			r->f[i].file);
	fprintf(f, "\n  ],\n  \"replies\": {");
	for (uint32_t op = 0; op < 256; op++) {
		int first = 1;

		for (unsigned i = 0; i < r->n_hist; i++) {
			if (r->hist[i].opcode != op)
				continue;
			fuzz_report_err_name(r->hist[i].err, name, sizeof(name));
			if (first)
				fprintf(f, "%s\n    \"%u %s\": {", pairs ? "," : "", op,
					fuse_msg_op_name(op));
			fprintf(f, "%s\"%s\": %llu", first ? "" : ", ", name,
				(unsigned long long)r->hist[i].n);
			first = 0;
			pairs++;
		}
		if (!first)
			fprintf(f, "}");
	}
	fprintf(f, "\n  },\n  \"distinct_opcode_result_pairs\": %u\n}\n", pairs);
}

/* The distinct failure sites (virtiofsd's last log line), each with how many signatures and
 * deaths it covers: one root cause often ends runs under many in-flight opcodes. */
static void fuzz_report_sites(const struct fuzz_report *r, FILE *f)
{
	fprintf(f, "\n## Distinct failure sites\n\n| what was seen | signatures | occurrences | "
		   "smallest reproducer |\n"
		   "|---|---|---|---|\n");
	for (unsigned i = 0; i < r->n_f; i++) {
		unsigned sigs = 0, seen = 0, best = i;
		int first = 1;

		for (unsigned j = 0; j < r->n_f; j++) {
			if (strcmp(r->f[i].detail, r->f[j].detail))
				continue;
			if (j < i)
				first = 0;
			sigs++;
			seen += r->f[j].count;
			if (r->f[j].file[0] &&
			    (!r->f[best].file[0] || r->f[j].requests < r->f[best].requests))
				best = j;
		}
		if (first && !strstr(r->f[i].sig, "malformed"))
			fprintf(f, "| %s | %u | %u | %s (%d requests) |\n", r->f[i].detail, sigs,
				seen, r->f[best].file[0] ? r->f[best].file : "-",
				r->f[best].requests);
	}
}

static void fuzz_report_md(const struct fuzz_report *r, FILE *f, const char *cmd)
{
	fprintf(
	    f,
	    "# Whole-stack fuzzer findings (`baoharness fuzz fuse-requests`)\n\n"
	    "Written by the last campaign (`%s`). A signature is OPCODE-class-kind: the request "
	    "that\n"
	    "was in flight, the generator class that made it, and how the backend ended\n"
	    "(abort = SIGABRT/assert/fortify, panic = libvhost-user's exit, exit = status only).\n"
	    "Replay one with `build/baoharness fuzz fuse-requests --replay FILE` (exit 1 = "
	    "reproduced).\n\n"
	    "| signature | owner | seen | reproducer starts with | requests in it | first at | "
	    "what was seen | reproducer |\n"
	    "|---|---|---|---|---|---|---|---|\n",
	    cmd);
	for (unsigned i = 0; i < r->n_f; i++) {
		const struct fuzz_finding *x = &r->f[i];
		char detail[sizeof(x->detail)];

		snprintf(detail, sizeof(detail), "%s", x->detail);
		for (char *p = detail; *p; p++)
			if (*p == '|' || *p == '\n')
				*p = ' ';
		fprintf(f, "| `%s` | %s | %u | %s | %d | %.1f s | %s | %s |\n", x->sig,
			x->ours ? "**ours**" : "virtiofsd", x->count,
			x->trigger[0] ? x->trigger : "-", x->requests, x->first_s, detail,
			x->file[0] ? x->file : "-");
	}
	if (!r->n_f)
		fprintf(f, "| (none) | | | | | | | |\n");
	fuzz_report_sites(r, f);
}

int fuzz_report_write(const struct fuzz_report *r, const char *dir, double secs, uint64_t seed,
		      const char *cmd)
{
	char path[512];
	FILE *f;

	if (fuzz_report_mkdirs(dir))
		return -errno;
	snprintf(path, sizeof(path), "%s/fuse-requests.json", dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fuzz_report_json(r, f, secs, seed);
	if (fclose(f))
		return -EIO;
	snprintf(path, sizeof(path), "%s/backend-findings.md", dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fuzz_report_md(r, f, cmd);
	return fclose(f) ? -EIO : 0;
}
