/* scn_parse.c - the scenario parser: splits a file into lines, each line into one step
 * driven by the command table (scn_cmd.c), and checks file-level rules (require first).
 * Pure over (buffer, length): it is a fuzz target and touches no file system. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scn_parse.h"

int scn_parse_err(struct scn_pstate *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ps->errlen)
		return -EINVAL;
	n = snprintf(ps->err, ps->errlen, "%s:%u: %s%s", ps->name, ps->line, ps->cmd ? ps->cmd : "",
		     ps->cmd ? ": " : "");
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

void scn_parse_step_free(struct scn_step *st)
{
	size_t i;

	free(st->text);
	free(st->path);
	free(st->path2);
	free(st->data);
	for (i = 0; i < st->n_names; i++)
		free(st->names[i]);
	free(st->names);
	memset(st, 0, sizeof(*st));
}

/* One signature letter (scn_cmd.h). */
static int scn_parse_arg(struct scn_pstate *ps, char letter, struct scn_step *st)
{
	switch (letter) {
	case 'p':
		return scn_args_path(ps, &st->path);
	case 'P':
		return scn_args_path(ps, &st->path2);
	case 't':
		return scn_args_target(ps, &st->path2);
	case 'o':
		return scn_args_number(ps, &st->offset, INT64_MAX);
	case 'l':
		return scn_args_number(ps, &st->len, INT64_MAX);
	case 'n':
		return scn_args_number(ps, &st->number, UINT64_MAX);
	case 'z':
		return scn_args_number(ps, &st->number, INT64_MAX);
	case 'd':
		return scn_args_data(ps, st);
	case 'D':
		return ps->i < ps->lx.n ? scn_args_data(ps, st) : 0;
	case 's':
		return scn_args_stat(ps, st);
	case 'N':
		return scn_args_names(ps, st, 0);
	case 'C':
		return scn_args_names(ps, st, 1);
	default:
		return scn_parse_err(ps, "internal: bad signature letter '%c'", letter);
	}
}

/* The words from ps->i on are one command and its arguments. */
static int scn_parse_cmd(struct scn_pstate *ps, struct scn_step *st)
{
	const struct scn_tok *t = &ps->lx.toks[ps->i++];
	const char *sig;
	char q[96];
	uint64_t end;
	int rc;

	scn_fmt_quote(q, sizeof(q), scn_tok_str(ps, t), t->len, 64);
	if (scn_cmd_lookup(scn_tok_str(ps, t), t->len, &st->cmd))
		return scn_parse_err(ps, "unknown command %s", q);
	ps->desc = scn_cmd_desc(st->cmd);
	ps->cmd = ps->desc->name;
	for (sig = ps->desc->sig, ps->arg = 0; *sig; sig++, ps->arg++) {
		rc = scn_parse_arg(ps, *sig, st);
		if (rc)
			return rc;
	}
	if (ps->i < ps->lx.n) {
		t = &ps->lx.toks[ps->i];
		scn_fmt_quote(q, sizeof(q), scn_tok_str(ps, t), t->len, 64);
		return scn_parse_err(ps, "extra argument %s (usage: %s %s)", q, ps->desc->name,
				     ps->desc->usage);
	}
	/* Offsets stay below 2^63 (off_t), which also keeps VFS_OFF_APPEND unambiguous. */
	end = st->offset + (st->cmd == SCN_PREAD ? st->len : st->data_len);
	if (end > INT64_MAX || end < st->offset)
		return scn_parse_err(ps, "OFFSET %llu + length exceeds 2^63-1",
				     (unsigned long long)st->offset);
	return 0;
}

/* `fail ERRNO STEP...` */
static int scn_parse_fail(struct scn_pstate *ps, struct scn_step *st)
{
	const struct scn_tok *t;
	char q[96];
	int e, rc;

	ps->cmd = "fail";
	if (ps->lx.n < 2)
		return scn_parse_err(ps, "missing ERRNO (usage: fail ERRNO STEP...)");
	t = &ps->lx.toks[1];
	e = scn_errno_from_name(scn_tok_str(ps, t), t->len);
	if (e < 0) {
		scn_fmt_quote(q, sizeof(q), scn_tok_str(ps, t), t->len, 64);
		return scn_parse_err(ps, "unknown errno name %s (e.g. ENOENT)", q);
	}
	if (ps->lx.n < 3)
		return scn_parse_err(ps, "missing STEP (usage: fail ERRNO STEP...)");
	t = &ps->lx.toks[2];
	if (t->len == 4 && !memcmp(scn_tok_str(ps, t), "fail", 4))
		return scn_parse_err(ps, "cannot wrap another fail");
	ps->i = 2;
	rc = scn_parse_cmd(ps, st);
	if (rc)
		return rc;
	if (ps->desc->side != SCN_SIDE_FRONTEND) {
		ps->cmd = "fail";
		return scn_parse_err(ps, "only frontend steps can be wrapped, not %s",
				     ps->desc->name);
	}
	st->fail_errno = e;
	return 0;
}

static int scn_parse_words(struct scn_pstate *ps, const char *line, struct scn_step *st)
{
	const struct scn_tok *first = &ps->lx.toks[0], *last = &ps->lx.toks[ps->lx.n - 1];
	size_t tlen = last->src_end - first->src_start;
	int rc;

	if (first->len == 4 && !memcmp(scn_tok_str(ps, first), "fail", 4))
		rc = scn_parse_fail(ps, st);
	else
		rc = scn_parse_cmd(ps, st);
	if (rc)
		return rc;
	st->text = malloc(tlen + 1);
	if (!st->text) {
		scn_parse_err(ps, "out of memory (%zu bytes)", tlen);
		return -ENOMEM;
	}
	memcpy(st->text, line + first->src_start, tlen);
	st->text[tlen] = '\0';
	return 0;
}

int scn_parse_step(const char *name, unsigned int line_no, const char *line, size_t len,
		   struct scn_step *out, char *err, size_t errlen)
{
	struct scn_pstate ps = {.name = name, .line = line_no, .err = err, .errlen = errlen};
	char lerr[160];
	int rc;

	memset(out, 0, sizeof(*out));
	out->line = line_no;
	if (len && line[len - 1] == '\n')
		len--;
	rc = scn_lex_line(line, len, &ps.lx, lerr, sizeof(lerr));
	if (rc)
		scn_parse_err(&ps, "%s", lerr);
	else if (ps.lx.n == 0) {
		rc = -ENODATA;
		snprintf(err, errlen, "%s:%u: no step on this line", name, line_no);
	} else
		rc = scn_parse_words(&ps, line, out);
	scn_lex_free(&ps.lx);
	if (rc) {
		scn_parse_step_free(out);
		out->line = line_no;
	}
	return rc;
}
