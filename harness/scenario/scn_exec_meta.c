/* scn_exec_meta.c - the metadata checks: stat/host-stat, list/host-list, readlink and
 * host-absent. Each reports every field that differs, in one line. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scn_exec.h"
#include "scn_internal.h"

/* A listing larger than this fails the step rather than eating memory. */
#define SCN_EXEC_LIST_MAX 100000u

/* Append to a bounded one-line message; silently truncates. */
static void scn_meta_add(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void scn_meta_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static const char *scn_meta_type(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "file";
	case S_IFDIR:
		return "dir";
	case S_IFLNK:
		return "symlink";
	default:
		return "other";
	}
}

int scn_exec_meta_stat(struct scn_x *x, const struct scn_step *st)
{
	struct vfs_stat vs = {0};
	int rc = x->ops->lstat ? x->ops->lstat(x->ctx, st->path, &vs) : -ENOSYS;

	if (rc < 0)
		return scn_exec_fail(x, rc, "lstat", st->path);
	x->why[0] = '\0';
	if ((st->stat_fields & SCN_STAT_TYPE) && (vs.mode & S_IFMT) != st->stat_type)
		scn_meta_add(x->why, x->whylen, "type %s (expected %s); ", scn_meta_type(vs.mode),
			     scn_meta_type(st->stat_type));
	if ((st->stat_fields & SCN_STAT_SIZE) && vs.size != st->stat_size)
		scn_meta_add(x->why, x->whylen, "size %llu (expected %llu); ",
			     (unsigned long long)vs.size, (unsigned long long)st->stat_size);
	if ((st->stat_fields & SCN_STAT_MODE) && (vs.mode & 07777) != st->stat_mode)
		scn_meta_add(x->why, x->whylen, "mode 0%o (expected 0%o); ",
			     (unsigned int)(vs.mode & 07777), (unsigned int)st->stat_mode);
	if (!x->why[0])
		return 0;
	x->why[strlen(x->why) - 2] = '\0'; /* drop the last "; " */
	return SCN_EXEC_MISMATCH;
}

int scn_exec_meta_absent(struct scn_x *x, const struct scn_step *st)
{
	struct vfs_stat vs = {0};
	int rc = x->ops->lstat ? x->ops->lstat(x->ctx, st->path, &vs) : -ENOSYS;

	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return scn_exec_fail(x, rc, "lstat", st->path);
	snprintf(x->why, x->whylen, "exists (type %s, size %llu)", scn_meta_type(vs.mode),
		 (unsigned long long)vs.size);
	return SCN_EXEC_MISMATCH;
}

int scn_exec_meta_readlink(struct scn_x *x, const struct scn_step *st)
{
	char buf[4097], qg[96], qe[96];
	ssize_t n =
	    x->ops->readlink ? x->ops->readlink(x->ctx, st->path, buf, sizeof(buf)) : -ENOSYS;

	if (n < 0)
		return scn_exec_fail(x, (int)n, "readlink", st->path);
	if ((size_t)n > sizeof(buf))
		return scn_exec_fail(x, -EIO, "readlink (returned more than asked)", st->path);
	if ((size_t)n == strlen(st->path2) && !memcmp(buf, st->path2, (size_t)n))
		return 0;
	scn_fmt_quote(qg, sizeof(qg), buf, (size_t)n, 64);
	scn_fmt_quote(qe, sizeof(qe), st->path2, strlen(st->path2), 64);
	snprintf(x->why, x->whylen, "target %s (expected %s)", qg, qe);
	return SCN_EXEC_MISMATCH;
}

struct scn_meta_names {
	char **v;
	size_t n, cap;
	int overflow, nomem;
};

static int scn_meta_collect(void *arg, const char *name)
{
	struct scn_meta_names *l = arg;
	char **nv;

	if (l->n == SCN_EXEC_LIST_MAX) {
		l->overflow = 1;
		return 1;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		nv = realloc(l->v, l->cap * sizeof(*nv));
		if (!nv) {
			l->nomem = 1;
			return 1;
		}
		l->v = nv;
	}
	l->v[l->n] = strdup(name);
	if (!l->v[l->n]) {
		l->nomem = 1;
		return 1;
	}
	l->n++;
	return 0;
}

static int scn_meta_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scn_meta_name(char *why, size_t len, const char *label, const char *name, int *first)
{
	char q[96];

	scn_fmt_quote(q, sizeof(q), name, strlen(name), 64);
	scn_meta_add(why, len, "%s%s %s", *first ? "" : ", ", label, q);
	*first = 0;
}

/* Merge two sorted lists; report names missing, unexpected and listed twice. */
static int scn_meta_diff(char **exp, size_t ne, char **got, size_t ng, char *why, size_t len)
{
	size_t i = 0, j = 0;
	int first = 1, c;

	why[0] = '\0';
	while (i < ne || j < ng) {
		if (j > 0 && j < ng && !strcmp(got[j], got[j - 1])) {
			scn_meta_name(why, len, "listed twice", got[j++], &first);
			continue;
		}
		c = i == ne ? 1 : j == ng ? -1 : strcmp(exp[i], got[j]);
		if (c < 0)
			scn_meta_name(why, len, "missing", exp[i++], &first);
		else if (c > 0)
			scn_meta_name(why, len, "unexpected", got[j++], &first);
		else
			i++, j++;
	}
	return first ? 0 : SCN_EXEC_MISMATCH;
}

int scn_exec_meta_list(struct scn_x *x, const struct scn_step *st)
{
	struct scn_meta_names l = {0};
	char **exp = NULL;
	size_t i;
	int rc = x->ops->list ? x->ops->list(x->ctx, st->path, scn_meta_collect, &l) : -ENOSYS;

	if (rc >= 0 && (l.nomem || l.overflow))
		rc = l.nomem ? -ENOMEM : -E2BIG;
	if (rc < 0) {
		rc = scn_exec_fail(x, rc, "list", st->path);
		goto out;
	}
	exp = malloc((st->n_names ? st->n_names : 1) * sizeof(char *));
	if (!exp) {
		rc = scn_exec_fail(x, -ENOMEM, "list", st->path);
		goto out;
	}
	if (st->n_names)
		memcpy(exp, st->names, st->n_names * sizeof(char *));
	qsort(exp, st->n_names, sizeof(char *), scn_meta_strcmp);
	if (l.n)
		qsort(l.v, l.n, sizeof(char *), scn_meta_strcmp);
	rc = scn_meta_diff(exp, st->n_names, l.v, l.n, x->why, x->whylen);
out:
	free(exp);
	for (i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	return rc;
}
