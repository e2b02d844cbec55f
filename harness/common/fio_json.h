/* fio_json.h - the figures the harness takes from fio's `--output-format=json` (IOPS, bytes/s,
 * I/O counts per direction, summed over the report's jobs), and their one-line "key=value" form
 * that the guest agent sends back over the console and the host reads (the same code both ends). */
#ifndef HARNESS_COMMON_FIO_JSON_H
#define HARNESS_COMMON_FIO_JSON_H

#include <stddef.h>
#include <stdint.h>

struct fio_json_result {
	unsigned int jobs;		  /* job entries in the report (1 with group_reporting) */
	int error;			  /* the first nonzero job "error" (an errno), else 0 */
	uint64_t read_ios, write_ios;	  /* "total_ios" */
	uint64_t read_bytes, write_bytes; /* "io_bytes" */
	double read_iops, write_iops;	  /* "iops" */
	double read_bw, write_bw;	  /* "bw_bytes": bytes per second */
	uint64_t read_ms, write_ms;	  /* "runtime" of each direction, ms (max over jobs) */
};

/* Parse fio's JSON report (NUL-terminated, untrusted: every number checked). 0 with *r filled;
 * -EINVAL when it has no "jobs" entry or a field is missing or not a number. */
int fio_json_parse(const char *json, struct fio_json_result *r);

/* *r as "jobs=N error=E read_ios=... write_ms=..." (no newline). Returns snprintf's length. */
int fio_json_format(const struct fio_json_result *r, char *buf, size_t len);

/* The reverse of fio_json_format: 0, or -EINVAL when a key is missing or malformed. */
int fio_json_scan(const char *line, struct fio_json_result *r);

#endif
