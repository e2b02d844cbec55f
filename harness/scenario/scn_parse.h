/* scn_parse.h - internal state shared by scn_parse.c (lines, steps, dispatch) and
 * scn_args.c (one function per argument kind). */
#ifndef HARNESS_SCN_PARSE_H
#define HARNESS_SCN_PARSE_H

#include "scn_cmd.h"
#include "scn_internal.h"

struct scn_pstate {
	const char *name; /* file name for messages */
	unsigned int line;
	const char *cmd; /* command name for messages, NULL before it is known */
	const struct scn_cmd_desc *desc;
	struct scn_lex lx;
	size_t i;   /* next word */
	size_t arg; /* index of the current argument in desc->usage */
	char *err;
	size_t errlen;
};

/* Write "NAME:LINE: CMD: message" to ps->err; returns -EINVAL. */
int scn_parse_err(struct scn_pstate *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline const char *scn_tok_str(const struct scn_pstate *ps, const struct scn_tok *t)
{
	return ps->lx.buf + t->off;
}

/* Each parses the argument(s) of one signature letter into st; 0 or -EINVAL/-ENOMEM. */
int scn_args_path(struct scn_pstate *ps, char **out);
int scn_args_target(struct scn_pstate *ps, char **out);
int scn_args_number(struct scn_pstate *ps, uint64_t *out, uint64_t max);
int scn_args_data(struct scn_pstate *ps, struct scn_step *st);
int scn_args_stat(struct scn_pstate *ps, struct scn_step *st);
int scn_args_names(struct scn_pstate *ps, struct scn_step *st, int caps);

#endif
