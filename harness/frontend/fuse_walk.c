/* fuse_walk.c - namei over FUSE: one LOOKUP per component, symlink splicing as POSIX path
 * resolution does it (intermediate always, final on FOLLOW), bounded hops, lookup references
 * counted and returned with FORGET (the kernel's nlookup contract, fuse_lowlevel.h). */
#include "fuse_walk.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fuse_ops.h"
#include "log.h"

void fuse_walk_begin(struct fuse_walk *w, struct fuse_client *fc)
{
	w->fc = fc;
	w->nheld = 0;
}

int fuse_walk_hold(struct fuse_walk *w, uint64_t nodeid)
{
	if (w->nheld >= FUSE_WALK_MAX_HELD) {
		/* Give the reference back at once rather than leak it on the server. */
		fuse_ops_forget(w->fc, nodeid, 1);
		log_err("fuse walk: more than %u lookups in one operation", FUSE_WALK_MAX_HELD);
		return -E2BIG;
	}
	w->held[w->nheld++] = nodeid;
	return 0;
}

void fuse_walk_keep(struct fuse_walk *w, uint64_t nodeid)
{
	for (unsigned int i = 0; i < w->nheld; i++) {
		if (w->held[i] == nodeid) {
			w->held[i] = w->held[--w->nheld];
			return;
		}
	}
}

void fuse_walk_end(struct fuse_walk *w)
{
	/* One FORGET per node with the number of lookups it got (nlookup). */
	for (unsigned int i = 0; i < w->nheld; i++) {
		uint64_t n = 1;

		if (!w->held[i])
			continue;
		for (unsigned int j = i + 1; j < w->nheld; j++) {
			if (w->held[j] == w->held[i]) {
				w->held[j] = 0;
				n++;
			}
		}
		fuse_ops_forget(w->fc, w->held[i], n);
	}
	w->nheld = 0;
}

/* Replace the unprocessed path (rest) with target + "/" + rest, in w->buf. */
static int fuse_walk_splice(struct fuse_walk *w, const char *target, size_t tlen, const char **rest)
{
	size_t rlen = strlen(*rest);

	if (tlen + 1 + rlen + 1 > sizeof(w->tmp))
		return -ENAMETOOLONG;
	memcpy(w->tmp, target, tlen);
	w->tmp[tlen] = '/';
	memcpy(w->tmp + tlen + 1, *rest, rlen + 1);
	memcpy(w->buf, w->tmp, tlen + 1 + rlen + 1);
	*rest = w->buf;
	return 0;
}

/* Read the symlink nodeid and splice its target in front of rest. */
static int fuse_walk_follow(struct fuse_walk *w, uint64_t nodeid, const char *name,
			    const char **rest)
{
	ssize_t n = fuse_ops_readlink(w->fc, nodeid, w->tmp, sizeof(w->tmp) / 2);

	if (n < 0)
		return (int)n;
	if (!n || memchr(w->tmp, '\0', (size_t)n))
		return -ENOENT;
	if (w->tmp[0] == '/') {
		/* On a real guest it would resolve outside the share (scenario-format.md). */
		log_err("fuse walk: symlink '%s' has absolute target '%.*s'", name, (int)n, w->tmp);
		return -EXDEV;
	}
	{
		char target[FUSE_WALK_PATH_MAX / 2];

		memcpy(target, w->tmp, (size_t)n);
		return fuse_walk_splice(w, target, (size_t)n, rest);
	}
}

/* Next component of *p into comp; *last says nothing but slashes follows it. */
static int fuse_walk_next(const char **p, char *comp, bool *last)
{
	const char *s = *p, *e;

	while (*s == '/')
		s++;
	if (!*s)
		return 0;
	e = strchrnul(s, '/');
	if ((size_t)(e - s) > FUSE_MSG_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(comp, s, (size_t)(e - s));
	comp[e - s] = '\0';
	*p = e;
	while (*e == '/')
		e++;
	*last = !*e;
	return 1;
}

int fuse_walk_resolve(struct fuse_walk *w, const char *path, enum fuse_walk_mode mode,
		      struct fuse_walk_res *res)
{
	unsigned int depth = 0, hops = 0;
	const char *p = w->buf;
	bool last = false;
	int rc;

	if (strlen(path) >= sizeof(w->buf))
		return -ENAMETOOLONG;
	strcpy(w->buf, path);
	w->stack[0] = FUSE_ROOT_ID;
	memset(res, 0, sizeof(*res));
	while ((rc = fuse_walk_next(&p, res->name, &last)) == 1) {
		struct fuse_entry_out e;
		uint64_t cur = w->stack[depth];

		res->parent = cur;
		if (!strcmp(res->name, ".")) {
			continue;
		} else if (!strcmp(res->name, "..")) {
			depth -= depth > 0; /* '..' of the share root stays at the root */
			continue;
		}
		if (last && mode == FUSE_WALK_PARENT)
			return 0;
		rc = fuse_ops_lookup(w->fc, cur, res->name, &e);
		if (rc == -ENOENT && last)
			return 0;
		if (rc)
			return rc;
		rc = fuse_walk_hold(w, e.nodeid);
		if (rc)
			return rc;
		if (S_ISLNK(e.attr.mode) && (!last || mode == FUSE_WALK_FOLLOW)) {
			if (++hops > FUSE_WALK_MAX_HOPS)
				return -ELOOP;
			rc = fuse_walk_follow(w, e.nodeid, res->name, &p);
			if (rc)
				return rc;
			continue;
		}
		if (last) {
			res->exists = res->have_attr = true;
			res->nodeid = e.nodeid;
			res->attr = e.attr;
			return 0;
		}
		if (depth + 1 >= FUSE_WALK_MAX_DEPTH)
			return -ENAMETOOLONG;
		w->stack[++depth] = e.nodeid;
	}
	if (rc < 0)
		return rc;
	/* Ran out of components on a directory (the root, or a target ending in '..'). */
	res->name[0] = '\0';
	res->exists = true;
	res->have_attr = false;
	res->nodeid = w->stack[depth];
	res->parent = depth ? w->stack[depth - 1] : FUSE_ROOT_ID;
	return 0;
}
