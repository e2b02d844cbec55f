/* qemu_fdt.c - a bounded flattened-device-tree reader (devicetree spec v0.4 §5): the header,
 * then the structure block's tokens into flat node and property tables. Every offset, length
 * and string is checked against the blob; a malformed tree is an error naming what is wrong. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "qemu_fdt.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9
#define FDT_HEADER_LEN 40

static uint32_t qemu_fdt_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A NUL-terminated string wholly inside [p, end), or NULL. */
static const char *qemu_fdt_str(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *nul = memchr(p, '\0', (size_t)(end - p));

	return nul ? (const char *)p : NULL;
}

static int qemu_fdt_fail(char *why, size_t len, int rc, const char *msg, uint32_t at)
{
	snprintf(why, len, "device tree: %s (structure offset 0x%x)", msg, at);
	return rc;
}

struct qemu_fdt_cursor {
	const uint8_t *s, *end;		/* structure block */
	const uint8_t *strs, *strs_end; /* strings block */
	uint32_t pos;
};

static int qemu_fdt_add_prop(struct qemu_fdt *f, struct qemu_fdt_cursor *c, int node, char *why,
			     size_t whylen)
{
	uint32_t len, nameoff;
	const char *name;

	if (node < 0)
		return qemu_fdt_fail(why, whylen, -EINVAL, "property outside any node", c->pos);
	if ((size_t)(c->end - c->s) - c->pos < 8)
		return qemu_fdt_fail(why, whylen, -EINVAL, "truncated property", c->pos);
	len = qemu_fdt_be32(c->s + c->pos);
	nameoff = qemu_fdt_be32(c->s + c->pos + 4);
	c->pos += 8;
	if (len > (size_t)(c->end - c->s) - c->pos)
		return qemu_fdt_fail(why, whylen, -EINVAL, "property value past the block", c->pos);
	if (nameoff >= (size_t)(c->strs_end - c->strs) ||
	    !(name = qemu_fdt_str(c->strs + nameoff, c->strs_end)))
		return qemu_fdt_fail(why, whylen, -EINVAL, "property name offset out of range",
				     c->pos);
	if (f->n_props == QEMU_FDT_MAX_PROPS)
		return qemu_fdt_fail(why, whylen, -E2BIG, "more properties than supported", c->pos);
	if (f->nodes[node].n_props == 0)
		f->nodes[node].first_prop = f->n_props;
	if (f->nodes[node].first_prop + f->nodes[node].n_props != f->n_props)
		return qemu_fdt_fail(why, whylen, -EINVAL, "property after a child node", c->pos);
	f->props[f->n_props++] = (struct qemu_fdt_prop){name, c->s + c->pos, len};
	f->nodes[node].n_props++;
	c->pos += (len + 3) & ~3u;
	return 0;
}

static int qemu_fdt_walk(struct qemu_fdt *f, struct qemu_fdt_cursor *c, char *why, size_t whylen)
{
	int cur = -1, depth = 0, rc;

	for (;;) {
		uint32_t tok;

		if ((size_t)(c->end - c->s) - c->pos < 4)
			return qemu_fdt_fail(why, whylen, -EINVAL, "no FDT_END token", c->pos);
		tok = qemu_fdt_be32(c->s + c->pos);
		c->pos += 4;
		switch (tok) {
		case FDT_BEGIN_NODE: {
			const char *name = qemu_fdt_str(c->s + c->pos, c->end);

			if (!name)
				return qemu_fdt_fail(why, whylen, -EINVAL, "unterminated node name",
						     c->pos);
			if (f->n_nodes == QEMU_FDT_MAX_NODES || depth == QEMU_FDT_MAX_DEPTH)
				return qemu_fdt_fail(why, whylen, -E2BIG,
						     "more nodes or nesting than supported",
						     c->pos);
			if (cur < 0 && f->n_nodes)
				return qemu_fdt_fail(why, whylen, -EINVAL, "second root node",
						     c->pos);
			f->nodes[f->n_nodes] = (struct qemu_fdt_node){name, cur, 0, 0};
			cur = f->n_nodes++;
			depth++;
			c->pos += ((uint32_t)strlen(name) + 1 + 3) & ~3u;
			break;
		}
		case FDT_END_NODE:
			if (cur < 0)
				return qemu_fdt_fail(why, whylen, -EINVAL,
						     "unbalanced FDT_END_NODE", c->pos);
			cur = f->nodes[cur].parent;
			depth--;
			break;
		case FDT_PROP:
			if ((rc = qemu_fdt_add_prop(f, c, cur, why, whylen)))
				return rc;
			break;
		case FDT_NOP:
			break;
		case FDT_END:
			if (cur >= 0 || !f->n_nodes)
				return qemu_fdt_fail(why, whylen, -EINVAL, "FDT_END inside a node",
						     c->pos);
			return 0;
		default:
			return qemu_fdt_fail(why, whylen, -EINVAL, "unknown token", c->pos - 4);
		}
	}
}

int qemu_fdt_parse(struct qemu_fdt *f, const void *blob, size_t len, char *why, size_t whylen)
{
	const uint8_t *b = blob;
	uint32_t total, off_s, off_str, size_str, size_s;
	struct qemu_fdt_cursor c;

	f->n_nodes = f->n_props = 0;
	if (len < FDT_HEADER_LEN || qemu_fdt_be32(b) != FDT_MAGIC) {
		snprintf(why, whylen, "device tree: not a flattened device tree (bad magic)");
		return -EINVAL;
	}
	total = qemu_fdt_be32(b + 4);
	off_s = qemu_fdt_be32(b + 8);
	off_str = qemu_fdt_be32(b + 12);
	size_str = qemu_fdt_be32(b + 32);
	size_s = qemu_fdt_be32(b + 36);
	if (qemu_fdt_be32(b + 20) < 17 || total > len || off_s > total || size_s > total - off_s ||
	    off_str > total || size_str > total - off_str || (off_s & 3)) {
		snprintf(why, whylen,
			 "device tree: header out of range (version %u, size %u of %zu bytes)",
			 qemu_fdt_be32(b + 20), total, len);
		return -EINVAL;
	}
	c = (struct qemu_fdt_cursor){b + off_s, b + off_s + size_s, b + off_str,
				     b + off_str + size_str, 0};
	return qemu_fdt_walk(f, &c, why, whylen);
}

const struct qemu_fdt_prop *qemu_fdt_prop(const struct qemu_fdt *f, int node, const char *name)
{
	if (node < 0 || node >= f->n_nodes)
		return NULL;
	for (int i = 0; i < f->nodes[node].n_props; i++) {
		const struct qemu_fdt_prop *p = &f->props[f->nodes[node].first_prop + i];

		if (!strcmp(p->name, name))
			return p;
	}
	return NULL;
}

int qemu_fdt_compatible(const struct qemu_fdt *f, int node, const char *compat)
{
	const struct qemu_fdt_prop *p = qemu_fdt_prop(f, node, "compatible");
	size_t n = strlen(compat) + 1;

	/* A string list: NUL-separated strings, the last one terminated too. */
	for (uint32_t off = 0; p && off < p->len;) {
		const char *s = (const char *)p->val + off;
		size_t l = strnlen(s, p->len - off);

		if (l + 1 == n && !memcmp(s, compat, n - 1) && off + l < p->len)
			return 1;
		off += (uint32_t)l + 1;
	}
	return 0;
}

int qemu_fdt_prop_is(const struct qemu_fdt *f, int node, const char *name, const char *value)
{
	const struct qemu_fdt_prop *p = qemu_fdt_prop(f, node, name);
	size_t n = strlen(value) + 1;

	return p && p->len == n && !memcmp(p->val, value, n);
}

uint32_t qemu_fdt_u32(const struct qemu_fdt *f, int node, const char *name, uint32_t def)
{
	const struct qemu_fdt_prop *p = qemu_fdt_prop(f, node, name);

	return p && p->len == 4 ? qemu_fdt_be32(p->val) : def;
}

int qemu_fdt_by_phandle(const struct qemu_fdt *f, uint32_t phandle)
{
	for (int i = 0; i < f->n_nodes && phandle && phandle != 0xffffffffu; i++)
		if (qemu_fdt_u32(f, i, "phandle", 0) == phandle ||
		    qemu_fdt_u32(f, i, "linux,phandle", 0) == phandle)
			return i;
	return -1;
}

void qemu_fdt_path(const struct qemu_fdt *f, int node, char *buf, size_t len)
{
	const char *parts[QEMU_FDT_MAX_DEPTH + 1];
	int n = 0;
	size_t off = 0;

	for (int i = node; i > 0 && n <= QEMU_FDT_MAX_DEPTH; i = f->nodes[i].parent)
		parts[n++] = f->nodes[i].name;
	buf[0] = '\0';
	if (!n)
		snprintf(buf, len, "/");
	while (n-- > 0 && off < len)
		off += (size_t)snprintf(buf + off, len - off, "/%s", parts[n]);
}

int qemu_fdt_by_path(const struct qemu_fdt *f, const char *path)
{
	char p[512];

	for (int i = 0; i < f->n_nodes; i++) {
		qemu_fdt_path(f, i, p, sizeof(p));
		if (!strcmp(p, path))
			return i;
	}
	return -1;
}

int qemu_fdt_reg(const struct qemu_fdt *f, int node, const char *name, int i, uint64_t *addr,
		 uint64_t *size)
{
	const struct qemu_fdt_prop *p = qemu_fdt_prop(f, node, name);
	int parent = node >= 0 && node < f->n_nodes ? f->nodes[node].parent : -1;
	/* devicetree spec §2.3.5: without the properties, 2 address cells and 1 size cell. */
	uint32_t ac = qemu_fdt_u32(f, parent, "#address-cells", 2);
	uint32_t sc = qemu_fdt_u32(f, parent, "#size-cells", 1);
	uint32_t entry = 4 * (ac + sc);
	const uint8_t *v;

	if (ac < 1 || ac > 2 || sc > 2)
		return -EINVAL;
	if (!p || i < 0 || (uint64_t)(i + 1) * entry > p->len)
		return -ENOENT;
	v = p->val + (uint32_t)i * entry;
	*addr =
	    ac == 2 ? (uint64_t)qemu_fdt_be32(v) << 32 | qemu_fdt_be32(v + 4) : qemu_fdt_be32(v);
	v += 4 * ac;
	*size = sc == 2	  ? (uint64_t)qemu_fdt_be32(v) << 32 | qemu_fdt_be32(v + 4)
		: sc == 1 ? qemu_fdt_be32(v)
			  : 0;
	return 0;
}
