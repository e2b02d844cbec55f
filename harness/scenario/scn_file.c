/* scn_file.c - parsing of a whole scenario file: line splitting, the file-level rules
 * (require only first, DATA total bounded) and the all-or-nothing result of scn_parse. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

static int scn_file_push(struct scn_file *f, size_t *cap, struct scn_step *st)
{
	if (f->n_steps == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct scn_step *ns = realloc(f->steps, ncap * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		f->steps = ns;
		*cap = ncap;
	}
	f->steps[f->n_steps++] = *st;
	return 0;
}

/* File-level checks on a freshly parsed step; 0 or -EINVAL with a message. */
static int scn_file_check(const struct scn_file *f, const struct scn_step *st, uint64_t *data_total,
			  char *err, size_t errlen)
{
	if (st->cmd == SCN_REQUIRE && f->n_steps != 0) {
		snprintf(err, errlen, "%s:%u: require: must be the first step (step %zu here)",
			 f->name, st->line, f->n_steps + 1);
		return -EINVAL;
	}
	*data_total += st->data_len;
	if (*data_total > SCN_DATA_MAX) {
		snprintf(err, errlen, "%s:%u: DATA in this file totals %llu bytes, over 1 GiB",
			 f->name, st->line, (unsigned long long)*data_total);
		return -EINVAL;
	}
	return 0;
}

static int scn_file_lines(struct scn_file *f, const char *buf, size_t len, char *err, size_t errlen)
{
	size_t pos = 0, cap = 0, llen;
	unsigned int line = 0;
	uint64_t data_total = 0;
	struct scn_step st;
	const char *nl;
	int rc;

	while (pos < len) {
		if (line == UINT_MAX) {
			snprintf(err, errlen, "%s: more than %u lines", f->name, UINT_MAX - 1);
			return -E2BIG;
		}
		line++;
		nl = memchr(buf + pos, '\n', len - pos);
		llen = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		rc = scn_parse_step(f->name, line, buf + pos, llen, &st, err, errlen);
		pos += llen + (nl ? 1 : 0);
		if (rc == -ENODATA)
			continue;
		if (rc)
			return rc;
		rc = scn_file_check(f, &st, &data_total, err, errlen);
		if (!rc && scn_file_push(f, &cap, &st)) {
			snprintf(err, errlen, "%s:%u: out of memory for %zu steps", f->name, line,
				 f->n_steps);
			rc = -ENOMEM;
		}
		if (rc) {
			scn_parse_step_free(&st);
			return rc;
		}
	}
	return 0;
}

int scn_file_parse(const char *name, const char *buf, size_t len, struct scn_file *out, char *err,
		   size_t errlen)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = '\0';
	out->name = strdup(name ? name : "?");
	if (!out->name) {
		snprintf(err, errlen, "%s: out of memory", name ? name : "?");
		return -ENOMEM;
	}
	rc = scn_file_lines(out, buf, len, err, errlen);
	if (rc)
		scn_file_free(out);
	return rc;
}

void scn_file_free(struct scn_file *f)
{
	size_t i;

	for (i = 0; i < f->n_steps; i++)
		scn_parse_step_free(&f->steps[i]);
	free(f->steps);
	free(f->name);
	memset(f, 0, sizeof(*f));
}
