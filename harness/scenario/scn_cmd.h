/* scn_cmd.h - the scenario command table (internal): what scn_parse.c dispatches on. */
#ifndef HARNESS_SCN_CMD_H
#define HARNESS_SCN_CMD_H

#include <errno.h>
#include <stdio.h>

#include "scn.h"

/* sig: one letter per argument, in order.
 *  p PATH -> path        P PATH -> path2       t TARGET text -> path2
 *  o OFFSET -> offset    l LEN -> len          n number -> number
 *  z SIZE (<= 2^63-1) -> number
 *  d DATA (required)     D DATA (optional, last)
 *  s stat fields (rest)  N names (rest)        C capabilities (rest, at least one) */
struct scn_cmd_desc {
	const char *name;
	enum scn_side side;
	const char *sig;
	const char *usage; /* argument words, for messages */
};

/* NULL for a value outside the table. */
const struct scn_cmd_desc *scn_cmd_desc(enum scn_cmd cmd);
/* 0 and *out, or -ENOENT for an unknown name. */
int scn_cmd_lookup(const char *name, size_t len, enum scn_cmd *out);
/* The idx-th usage word without brackets or "...", e.g. "OFFSET". */
void scn_cmd_argname(const struct scn_cmd_desc *d, size_t idx, char *buf, size_t buflen);

#endif
