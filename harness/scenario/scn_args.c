/* scn_args.c - parsing of each argument kind of a step (PATH, TARGET, numbers, DATA, stat
 * fields, names, capabilities) with the exact checks of scenario-format.md. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scn_parse.h"

/* Take the next word for the current argument, or report it missing. */
static int scn_args_next(struct scn_pstate *ps, const struct scn_tok **t)
{
	char an[32];

	if (ps->i >= ps->lx.n) {
		scn_cmd_argname(ps->desc, ps->arg, an, sizeof(an));
		return scn_parse_err(ps, "missing %s (usage: %s %s)", an, ps->desc->name,
				     ps->desc->usage);
	}
	*t = &ps->lx.toks[ps->i++];
	return 0;
}

/* Byte-exact comparison with a literal (a quoted word may hold a NUL). */
static int scn_args_eq(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && !memcmp(s, lit, len);
}

static char *scn_args_dup(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

static int scn_args_nomem(struct scn_pstate *ps, size_t len)
{
	scn_parse_err(ps, "out of memory (%zu bytes)", len);
	return -ENOMEM;
}

/* NULL when p is a valid share path, else why it is not. */
static const char *scn_args_path_problem(const char *p, size_t len)
{
	size_t s = 1, e;

	if (len == 0 || p[0] != '/')
		return "must start with /";
	if (memchr(p, '\0', len))
		return "contains a NUL byte";
	if (len == 1)
		return NULL;
	while (s <= len) {
		for (e = s; e < len && p[e] != '/'; e++)
			;
		if (e == s)
			return "empty component (// or a trailing /)";
		if ((e - s == 1 && p[s] == '.') || (e - s == 2 && p[s] == '.' && p[s + 1] == '.'))
			return "'.' and '..' components are not allowed";
		s = e + 1;
	}
	return NULL;
}

int scn_args_path(struct scn_pstate *ps, char **out)
{
	const struct scn_tok *t;
	const char *why;
	char q[96];
	int rc = scn_args_next(ps, &t);

	if (rc)
		return rc;
	why = scn_args_path_problem(scn_tok_str(ps, t), t->len);
	if (why) {
		scn_fmt_quote(q, sizeof(q), scn_tok_str(ps, t), t->len, 64);
		return scn_parse_err(ps, "bad path %s: %s", q, why);
	}
	*out = scn_args_dup(scn_tok_str(ps, t), t->len);
	return *out ? 0 : scn_args_nomem(ps, t->len);
}

int scn_args_target(struct scn_pstate *ps, char **out)
{
	const struct scn_tok *t;
	int rc = scn_args_next(ps, &t);

	if (rc)
		return rc;
	/* A target is free text (usually relative), but a C string. */
	if (memchr(scn_tok_str(ps, t), '\0', t->len))
		return scn_parse_err(ps, "bad TARGET: contains a NUL byte");
	*out = scn_args_dup(scn_tok_str(ps, t), t->len);
	return *out ? 0 : scn_args_nomem(ps, t->len);
}

int scn_args_number(struct scn_pstate *ps, uint64_t *out, uint64_t max)
{
	const struct scn_tok *t;
	const char *why;
	char q[64], an[32];
	int rc = scn_args_next(ps, &t);

	if (rc)
		return rc;
	scn_cmd_argname(ps->desc, ps->arg, an, sizeof(an));
	scn_fmt_quote(q, sizeof(q), scn_tok_str(ps, t), t->len, 40);
	if (scn_lex_number(scn_tok_str(ps, t), t->len, out, &why))
		return scn_parse_err(ps, "bad %s %s: %s", an, q, why);
	if (*out > max)
		return scn_parse_err(ps, "bad %s %s: exceeds %llu", an, q, (unsigned long long)max);
	return 0;
}

/* @rand:N[:SEED] -> st->data */
static int scn_args_rand(struct scn_pstate *ps, const char *s, size_t len, struct scn_step *st)
{
	const char *colon = memchr(s, ':', len), *why;
	uint64_t n, seed = 1;
	char q[64];

	scn_fmt_quote(q, sizeof(q), s - 6, len + 6, 40);
	if (scn_lex_number(s, colon ? (size_t)(colon - s) : len, &n, &why))
		return scn_parse_err(ps, "bad DATA %s: N is %s", q, why);
	if (colon && scn_lex_number(colon + 1, len - (size_t)(colon + 1 - s), &seed, &why))
		return scn_parse_err(ps, "bad DATA %s: SEED is %s", q, why);
	if (colon && seed == 0)
		return scn_parse_err(ps, "bad DATA %s: SEED must not be 0", q);
	if (n > SCN_DATA_MAX)
		return scn_parse_err(ps, "bad DATA %s: N %llu exceeds 1 GiB", q,
				     (unsigned long long)n);
	st->data = malloc(n ? (size_t)n : 1);
	if (!st->data)
		return scn_args_nomem(ps, (size_t)n);
	scn_rand_fill(st->data, (size_t)n, seed);
	st->data_len = (size_t)n;
	st->has_data = 1;
	return 0;
}

int scn_args_data(struct scn_pstate *ps, struct scn_step *st)
{
	const struct scn_tok *t;
	const char *s;
	char q[64];
	int rc = scn_args_next(ps, &t);

	if (rc)
		return rc;
	s = scn_tok_str(ps, t);
	if (!t->quoted && t->len >= 6 && !memcmp(s, "@rand:", 6))
		return scn_args_rand(ps, s + 6, t->len - 6, st);
	if (!t->quoted) {
		scn_fmt_quote(q, sizeof(q), s, t->len, 40);
		return scn_parse_err(ps,
				     "bad DATA %s: a quoted string or @rand:N[:SEED], "
				     "not a bare word",
				     q);
	}
	st->data = malloc(t->len ? t->len : 1);
	if (!st->data)
		return scn_args_nomem(ps, t->len);
	memcpy(st->data, s, t->len);
	st->data_len = t->len;
	st->has_data = 1;
	return 0;
}

static int scn_args_stat_field(struct scn_pstate *ps, const char *key, const char *v, size_t vlen,
			       struct scn_step *st)
{
	const char *why;
	char q[64];

	scn_fmt_quote(q, sizeof(q), v, vlen, 40);
	if (scn_args_eq(key, strlen(key), "size")) {
		if (scn_lex_number(v, vlen, &st->stat_size, &why))
			return scn_parse_err(ps, "bad size %s: %s", q, why);
		st->stat_fields |= SCN_STAT_SIZE;
	} else if (scn_args_eq(key, strlen(key), "type")) {
		if (scn_args_eq(v, vlen, "file"))
			st->stat_type = S_IFREG;
		else if (scn_args_eq(v, vlen, "dir"))
			st->stat_type = S_IFDIR;
		else if (scn_args_eq(v, vlen, "symlink"))
			st->stat_type = S_IFLNK;
		else
			return scn_parse_err(ps, "bad type %s: file, dir or symlink", q);
		st->stat_fields |= SCN_STAT_TYPE;
	} else {
		if (scn_lex_octal(v, vlen, &st->stat_mode))
			return scn_parse_err(ps, "bad mode %s: octal, at most 07777", q);
		st->stat_fields |= SCN_STAT_MODE;
	}
	return 0;
}

int scn_args_stat(struct scn_pstate *ps, struct scn_step *st)
{
	static const char *const keys[] = {"size", "type", "mode"};
	static const unsigned int bits[] = {SCN_STAT_SIZE, SCN_STAT_TYPE, SCN_STAT_MODE};
	const struct scn_tok *k, *v;
	char q[64];
	size_t j;
	int rc;

	while (ps->i < ps->lx.n) {
		k = &ps->lx.toks[ps->i++];
		for (j = 0; j < 3 && !scn_args_eq(scn_tok_str(ps, k), k->len, keys[j]); j++)
			;
		scn_fmt_quote(q, sizeof(q), scn_tok_str(ps, k), k->len, 40);
		if (j == 3)
			return scn_parse_err(ps, "unknown field %s (size, type or mode)", q);
		if (st->stat_fields & bits[j])
			return scn_parse_err(ps, "field %s given twice", keys[j]);
		if (ps->i >= ps->lx.n)
			return scn_parse_err(ps, "field %s needs a value", keys[j]);
		v = &ps->lx.toks[ps->i++];
		rc = scn_args_stat_field(ps, keys[j], scn_tok_str(ps, v), v->len, st);
		if (rc)
			return rc;
	}
	return 0;
}

static int scn_args_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A NAME is one directory entry name; a capability is [a-z0-9_-]+. */
static const char *scn_args_name_problem(const char *s, size_t len, int caps)
{
	size_t j;

	if (len == 0)
		return "empty";
	if (memchr(s, '\0', len))
		return "contains a NUL byte";
	if (caps) {
		for (j = 0; j < len; j++)
			if (!((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= '0' && s[j] <= '9') ||
			      s[j] == '-' || s[j] == '_'))
				return "capabilities are lowercase letters, digits, - and _";
		return NULL;
	}
	if (memchr(s, '/', len))
		return "contains /";
	if (scn_args_eq(s, len, ".") || scn_args_eq(s, len, ".."))
		return "'.' and '..' are never listed";
	return NULL;
}

int scn_args_names(struct scn_pstate *ps, struct scn_step *st, int caps)
{
	size_t n = ps->lx.n - ps->i, j;
	const struct scn_tok *t;
	const char *why;
	char **sorted, q[96];

	if (caps && n == 0)
		return scn_parse_err(ps, "missing CAPABILITY (usage: require CAPABILITY...)");
	st->names = calloc(n ? n : 1, sizeof(char *));
	if (!st->names)
		return scn_args_nomem(ps, n * sizeof(char *));
	for (j = 0; j < n; j++) {
		t = &ps->lx.toks[ps->i++];
		why = scn_args_name_problem(scn_tok_str(ps, t), t->len, caps);
		scn_fmt_quote(q, sizeof(q), scn_tok_str(ps, t), t->len, 64);
		if (why)
			return scn_parse_err(ps, "bad %s %s: %s", caps ? "CAPABILITY" : "NAME", q,
					     why);
		st->names[j] = scn_args_dup(scn_tok_str(ps, t), t->len);
		if (!st->names[j])
			return scn_args_nomem(ps, t->len);
		st->n_names = j + 1;
	}
	/* Duplicates: sort a copy so a long line costs n log n, not n^2. */
	sorted = malloc((n ? n : 1) * sizeof(char *));
	if (!sorted)
		return scn_args_nomem(ps, n * sizeof(char *));
	memcpy(sorted, st->names, n * sizeof(char *));
	qsort(sorted, n, sizeof(char *), scn_args_strcmp);
	for (j = 1; j < n && strcmp(sorted[j - 1], sorted[j]); j++)
		;
	if (j < n)
		scn_fmt_quote(q, sizeof(q), sorted[j], strlen(sorted[j]), 64);
	free(sorted);
	return j < n ? scn_parse_err(ps, "%s %s given twice", caps ? "CAPABILITY" : "NAME", q) : 0;
}
