/* fuzz_report.h - what the whole-stack fuzzer records: a histogram of replies per opcode and
 * errno, deduplicated findings with reproducer files, the JSON summary and the findings table
 * (results/fuzz/fuse-requests.json, results/fuzz/backend-findings.md). */
#ifndef HARNESS_FUZZ_REPORT_H
#define HARNESS_FUZZ_REPORT_H

#include <stddef.h>
#include <stdint.h>

/* Histogram pseudo-errnos beside 0 and -1..-4095. */
#define FUZZ_R_DROPPED 1   /* used length 0: no reply written */
#define FUZZ_R_MALFORMED 2 /* fuse_msg_decode_reply refused it */
#define FUZZ_R_TRANSPORT 3 /* timeout, device broken */
#define FUZZ_R_DIED 4	   /* the backend died on it */

#define FUZZ_HIST_MAX 4096
#define FUZZ_FINDINGS_MAX 128

struct fuzz_hist_entry {
	uint32_t opcode;
	int32_t err;
	uint64_t n;
};

struct fuzz_finding {
	char sig[96];	  /* OPCODE-class-kind, the dedup key */
	char detail[240]; /* first occurrence: what was seen (virtiofsd's last log line, why) */
	char file[256];	  /* reproducer */
	int requests;	  /* in the reproducer */
	unsigned count;
	double first_s;
	int ours; /* our own code misbehaved (not virtiofsd) */
	char
	    trigger[64]; /* OPCODE-class of the reproducer's first request (skipped from then on) */
};

/* One request as sent: queue and bytes (the bytes are owned by whoever fills it). */
struct fuzz_rec {
	uint16_t queue;
	uint32_t len;
	uint8_t *buf;
};

struct fuzz_report {
	struct fuzz_hist_entry hist[FUZZ_HIST_MAX];
	unsigned n_hist;
	struct fuzz_finding f[FUZZ_FINDINGS_MAX];
	unsigned n_f;
	uint64_t requests, restarts, ok, errors;
	int fds_max;
	const char *regress_dir; /* fuzz/regress/whole-stack */
};

void fuzz_report_count(struct fuzz_report *r, uint32_t opcode, int32_t err);
/* Record a finding under sig; a new one saves recs[0..n) to regress_dir/sig.bin.
 * Returns the finding (count already bumped). */
struct fuzz_finding *fuzz_report_finding(struct fuzz_report *r, const char *sig, const char *detail,
					 int ours, double at_s, const struct fuzz_rec *recs, int n);
struct fuzz_finding *fuzz_report_find(struct fuzz_report *r, const char *sig);
/* Write recs to path in the replay format: per request u32 len, u16 queue, u16 0, bytes. */
int fuzz_report_save(const char *path, const struct fuzz_rec *recs, int n);
/* Read a replay file; *recs is malloc'd (each buf too). Returns the count or -errno. */
int fuzz_report_load(const char *path, struct fuzz_rec **recs);
void fuzz_report_free_recs(struct fuzz_rec *recs, int n);
/* results/fuzz/fuse-requests.json and results/fuzz/backend-findings.md under dir. */
int fuzz_report_write(const struct fuzz_report *r, const char *dir, double secs, uint64_t seed,
		      const char *cmd);

#endif
