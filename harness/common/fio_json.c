/* fio_json.c - reads the few figures the harness needs from fio's JSON report without a JSON
 * library (the guest agent is a static binary with libc alone): each job's "read" and "write"
 * objects are found by their exact key and their scalar members read before any nested object. */
#include "fio_json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The number after `"key" :` between p and end; 0 or -EINVAL. */
static int fio_json_num(const char *p, const char *end, const char *key, double *v)
{
	char pat[48];
	const char *k;
	char *e;

	snprintf(pat, sizeof(pat), "\"%s\" : ", key);
	k = strstr(p, pat);
	if (!k || k >= end)
		return -EINVAL;
	k += strlen(pat);
	errno = 0;
	*v = strtod(k, &e);
	if (e == k || errno || !isfinite(*v) || *v < 0)
		return -EINVAL;
	return 0;
}

/* One direction's object of the job that starts at job (ends before next): its counters added. */
static int fio_json_dir(const char *job, const char *next, const char *dir, uint64_t *ios,
			uint64_t *bytes, double *iops, double *bw, uint64_t *ms)
{
	char pat[32];
	const char *o;
	double v[5];
	static const char *const keys[] = {"total_ios", "io_bytes", "iops", "bw_bytes", "runtime"};

	snprintf(pat, sizeof(pat), "\"%s\" : {", dir);
	o = strstr(job, pat);
	if (!o || o >= next)
		return -EINVAL;
	for (int i = 0; i < 5; i++)
		if (fio_json_num(o, next, keys[i], &v[i]))
			return -EINVAL;
	*ios += (uint64_t)v[0];
	*bytes += (uint64_t)v[1];
	*iops += v[2];
	*bw += v[3];
	if ((uint64_t)v[4] > *ms)
		*ms = (uint64_t)v[4];
	return 0;
}

int fio_json_parse(const char *json, struct fio_json_result *r)
{
	const char *jobs = strstr(json, "\"jobs\" : [");
	const char *job;

	memset(r, 0, sizeof(*r));
	if (!jobs)
		return -EINVAL;
	for (job = strstr(jobs, "\"jobname\" : "); job;) {
		const char *next = strstr(job + 1, "\"jobname\" : ");
		const char *end = next ? next : job + strlen(job);
		double err;

		if (fio_json_num(job, end, "error", &err) ||
		    fio_json_dir(job, end, "read", &r->read_ios, &r->read_bytes, &r->read_iops,
				 &r->read_bw, &r->read_ms) ||
		    fio_json_dir(job, end, "write", &r->write_ios, &r->write_bytes, &r->write_iops,
				 &r->write_bw, &r->write_ms))
			return -EINVAL;
		if (!r->error && err > 0)
			r->error = (int)err;
		r->jobs++;
		job = next;
	}
	return r->jobs ? 0 : -EINVAL;
}

int fio_json_format(const struct fio_json_result *r, char *buf, size_t len)
{
	return snprintf(
	    buf, len,
	    "jobs=%u error=%d read_ios=%" PRIu64 " write_ios=%" PRIu64 " read_bytes=%" PRIu64
	    " write_bytes=%" PRIu64 " read_iops=%.1f write_iops=%.1f read_bw=%.0f write_bw=%.0f"
	    " read_ms=%" PRIu64 " write_ms=%" PRIu64,
	    r->jobs, r->error, r->read_ios, r->write_ios, r->read_bytes, r->write_bytes,
	    r->read_iops, r->write_iops, r->read_bw, r->write_bw, r->read_ms, r->write_ms);
}

int fio_json_scan(const char *line, struct fio_json_result *r)
{
	memset(r, 0, sizeof(*r));
	if (sscanf(line,
		   "jobs=%u error=%d read_ios=%" SCNu64 " write_ios=%" SCNu64 " read_bytes=%" SCNu64
		   " write_bytes=%" SCNu64 " read_iops=%lf write_iops=%lf read_bw=%lf write_bw=%lf"
		   " read_ms=%" SCNu64 " write_ms=%" SCNu64,
		   &r->jobs, &r->error, &r->read_ios, &r->write_ios, &r->read_bytes,
		   &r->write_bytes, &r->read_iops, &r->write_iops, &r->read_bw, &r->write_bw,
		   &r->read_ms, &r->write_ms) != 12)
		return -EINVAL;
	return 0;
}
