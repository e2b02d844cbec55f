/* qemu_fdt.h - a small, bounded reader of flattened device trees (DTB, devicetree spec v0.4
 * §5): the harness checks a guest's device tree (its own or the user's) before booting it. The
 * blob is untrusted input: every offset and length is checked, counts are capped. */
#ifndef HARNESS_QEMU_FDT_H
#define HARNESS_QEMU_FDT_H

#include <stddef.h>
#include <stdint.h>

#define QEMU_FDT_MAX_NODES 512
#define QEMU_FDT_MAX_PROPS 4096
#define QEMU_FDT_MAX_DEPTH 16

struct qemu_fdt_prop {
	const char *name;
	const uint8_t *val; /* into the blob */
	uint32_t len;
};

struct qemu_fdt_node {
	const char *name; /* unit name included ("virtio@a003e00"); "" for the root */
	int parent;	  /* index, -1 for the root */
	int first_prop, n_props;
};

struct qemu_fdt {
	struct qemu_fdt_node nodes[QEMU_FDT_MAX_NODES];
	struct qemu_fdt_prop props[QEMU_FDT_MAX_PROPS];
	int n_nodes, n_props;
};

/* Parse blob (len bytes; kept alive by the caller while f is used). Returns 0, or -EINVAL /
 * -E2BIG with the reason in why ("bad magic", "property name offset out of range", ...). */
int qemu_fdt_parse(struct qemu_fdt *f, const void *blob, size_t len, char *why, size_t whylen);
/* Property name of node, or NULL. */
const struct qemu_fdt_prop *qemu_fdt_prop(const struct qemu_fdt *f, int node, const char *name);
/* 1 when the node's "compatible" string list holds compat. */
int qemu_fdt_compatible(const struct qemu_fdt *f, int node, const char *compat);
/* 1 when the node's string property name equals value. */
int qemu_fdt_prop_is(const struct qemu_fdt *f, int node, const char *name, const char *value);
/* The node with this phandle, or -1. */
int qemu_fdt_by_phandle(const struct qemu_fdt *f, uint32_t phandle);
/* The node at an absolute path ("/chosen", "/pl011@9002000"), or -1. */
int qemu_fdt_by_path(const struct qemu_fdt *f, const char *path);
/* A u32 property (big-endian cell) of node, or def when absent or not 4 bytes. */
uint32_t qemu_fdt_u32(const struct qemu_fdt *f, int node, const char *name, uint32_t def);
/* Read entry i of a reg-like property of node, using its parent's #address-cells and
 * #size-cells (1 or 2 each). 0, or -ENOENT (no such entry) / -EINVAL (cells unsupported). */
int qemu_fdt_reg(const struct qemu_fdt *f, int node, const char *name, int i, uint64_t *addr,
		 uint64_t *size);
/* Absolute path of node into buf ("/" for the root). */
void qemu_fdt_path(const struct qemu_fdt *f, int node, char *buf, size_t len);

#endif
