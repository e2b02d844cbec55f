/* test_qemu_dt.c - the guest device tree as the harness reads it: the flattened-tree reader on
 * well-formed and hostile blobs (built here token by token), the layout of the demo's tree and
 * of trees the EL2 stub cannot host, and the built-in tree compiled by dtc and read back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "el2_mailbox.h"
#include "qemu_dt.h"
#include "qemu_fdt.h"

/* A tiny FDT writer: the structure block and the strings block, then the header. */
struct fdtw {
	uint8_t s[8192], str[1024], out[10000];
	size_t ns, nstr;
};

static void w32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void tok(struct fdtw *w, uint32_t t)
{
	w32(w->s + w->ns, t);
	w->ns += 4;
}

static void begin(struct fdtw *w, const char *name)
{
	size_t n = strlen(name) + 1;

	tok(w, 1);
	memcpy(w->s + w->ns, name, n);
	w->ns += (n + 3) & ~(size_t)3;
}

static void end(struct fdtw *w)
{
	tok(w, 2);
}

static void prop(struct fdtw *w, const char *name, const void *val, uint32_t len)
{
	size_t n = strlen(name) + 1;

	tok(w, 3);
	w32(w->s + w->ns, len);
	w32(w->s + w->ns + 4, (uint32_t)w->nstr);
	w->ns += 8;
	memcpy(w->str + w->nstr, name, n);
	w->nstr += n;
	memcpy(w->s + w->ns, val, len);
	w->ns += (len + 3) & ~3u;
}

static void prop_str(struct fdtw *w, const char *name, const char *v)
{
	prop(w, name, v, (uint32_t)strlen(v) + 1);
}

/* Cells, big-endian. */
static void prop_cells(struct fdtw *w, const char *name, int n, ...)
{
	uint8_t buf[64];
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		w32(buf + 4 * i, va_arg(ap, uint32_t));
	va_end(ap);
	prop(w, name, buf, 4u * (uint32_t)n);
}

static size_t finish(struct fdtw *w)
{
	size_t off_s = 40 + 16, off_str = off_s + w->ns, total = off_str + w->nstr;

	memset(w->out, 0, 56);
	w32(w->out, 0xd00dfeed);
	w32(w->out + 4, (uint32_t)total);
	w32(w->out + 8, (uint32_t)off_s);
	w32(w->out + 12, (uint32_t)off_str);
	w32(w->out + 16, 40);
	w32(w->out + 20, 17);
	w32(w->out + 24, 16);
	w32(w->out + 32, (uint32_t)w->nstr);
	w32(w->out + 36, (uint32_t)w->ns);
	memcpy(w->out + off_s, w->s, w->ns);
	memcpy(w->out + off_str, w->str, w->nstr);
	return total;
}

enum variant { DEMO, NO_POOL_REF, VIRTIO_ELSEWHERE, NO_VIRTIO, WRONG_IRQ, TWO_UARTS, RAM_SPLIT };

/* The demo's frontend tree, or one flaw in it. */
static size_t demo_tree(struct fdtw *w, enum variant v)
{
	memset(w, 0, sizeof(*w));
	begin(w, "");
	prop_cells(w, "#size-cells", 1, 2);
	prop_cells(w, "#address-cells", 1, 2);
	begin(w, "cpus");
	prop_cells(w, "#size-cells", 1, 0);
	prop_cells(w, "#address-cells", 1, 1);
	begin(w, "cpu@0");
	prop_str(w, "device_type", "cpu");
	prop_cells(w, "reg", 1, 0);
	end(w);
	end(w);
	begin(w, "memory@30000000");
	prop_str(w, "device_type", "memory");
	if (v == RAM_SPLIT)
		prop_cells(w, "reg", 12, 0, 0x30000000, 0, 0x10000000, 0, 0x10000000, 0, 0x1000000,
			   0, 0x50000000, 0, 0x10000000);
	else
		prop_cells(w, "reg", 8, 0, 0x30000000, 0, 0x40000000, 0, 0x10000000, 0, 0x1000000);
	end(w);
	begin(w, "reserved-memory");
	prop_cells(w, "#size-cells", 1, 2);
	prop_cells(w, "#address-cells", 1, 2);
	begin(w, "buffer@10000000");
	prop(w, "compatible", "restricted-dma-pool", 20);
	prop_cells(w, "reg", 4, 0, 0x10000000, 0, 0x1000000);
	prop_cells(w, "phandle", 1, 7);
	end(w);
	end(w);
	begin(w, "intc@8000000");
	prop(w, "compatible", "arm,gic-v3", 11);
	prop_cells(w, "reg", 8, 0, 0x8000000, 0, 0x10000, 0, 0x80a0000, 0, 0xf60000);
	end(w);
	if (v != NO_VIRTIO) {
		begin(w, "virtio@a003e00");
		prop(w, "compatible", "virtio,mmio", 12);
		prop_cells(w, "reg", 4, 0, v == VIRTIO_ELSEWHERE ? 0xa003c00 : 0xa003e00, 0, 0x200);
		prop_cells(w, "interrupts", 3, 0, v == WRONG_IRQ ? 46 : 47, 1);
		if (v != NO_POOL_REF)
			prop_cells(w, "memory-region", 1, 7);
		end(w);
	}
	for (int i = 0; i < (v == TWO_UARTS ? 2 : 1); i++) {
		begin(w, i ? "pl011@9003000" : "pl011@9002000");
		prop(w, "compatible", "arm,pl011\0arm,primecell", 23);
		prop_cells(w, "reg", 4, 0, i ? 0x9003000 : 0x9002000, 0, 0x1000);
		prop_cells(w, "interrupts", 3, 0, 11, 4);
		end(w);
	}
	end(w);
	tok(w, 9);
	return finish(w);
}

static int layout_of(enum variant v, struct qemu_dt_layout *l, char *why, size_t len)
{
	struct qemu_fdt *f = malloc(sizeof(*f));
	struct fdtw *w = malloc(sizeof(*w));
	size_t n = demo_tree(w, v);
	int rc = qemu_fdt_parse(f, w->out, n, why, len);

	if (!rc)
		rc = qemu_dt_layout(f, l, why, len);
	free(f);
	free(w);
	return rc;
}

static void test_demo_layout(void **state)
{
	struct qemu_dt_layout l;
	char why[256];

	(void)state;
	/* The demo's frontend: 1 GiB private RAM, the 16 MiB pool as the window, SPI 11 PL011. */
	assert_int_equal(layout_of(DEMO, &l, why, sizeof(why)), 0);
	assert_int_equal(l.window_size, 0x1000000);
	assert_int_equal(l.ram_ipa, 0x30000000);
	assert_int_equal(l.ram_size, 0x40000000);
	assert_int_equal(l.uart_ipa, 0x9002000);
	assert_int_equal(l.uart_virq, 43);
	assert_int_equal(l.ncpus, 1);
	assert_true(l.restricted_pool);
	assert_int_equal(l.boot_ipa, 0x30000000);
	/* Without memory-region the layout is the same but the pool is not the device's. */
	assert_int_equal(layout_of(NO_POOL_REF, &l, why, sizeof(why)), 0);
	assert_false(l.restricted_pool);
	assert_int_equal(l.window_size, 0x1000000);
}

static void test_refused_layouts(void **state)
{
	struct qemu_dt_layout l;
	char why[256];

	(void)state;
	assert_int_equal(layout_of(VIRTIO_ELSEWHERE, &l, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "/virtio@a003e00 is not the trap region"));
	assert_int_equal(layout_of(NO_VIRTIO, &l, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "no virtio,mmio node"));
	assert_int_equal(layout_of(WRONG_IRQ, &l, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "SPI 47"));
	assert_int_equal(layout_of(TWO_UARTS, &l, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "more than one arm,pl011"));
	assert_int_equal(layout_of(RAM_SPLIT, &l, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "RAM in two pieces"));
}

static void test_hostile_blobs(void **state)
{
	struct qemu_fdt *f = malloc(sizeof(*f));
	struct fdtw *w = malloc(sizeof(*w));
	size_t n = demo_tree(w, DEMO);
	char why[256];

	(void)state;
	/* Every truncation of a good tree is refused, never read past. */
	for (size_t cut = 0; cut < n; cut += 7)
		assert_int_not_equal(qemu_fdt_parse(f, w->out, cut, why, sizeof(why)), 0);
	assert_int_equal(qemu_fdt_parse(f, w->out, n, why, sizeof(why)), 0);
	/* A property name offset past the strings block. */
	w32(w->out + 56 + 8 + 4 + 4, 0xffff);
	assert_int_equal(qemu_fdt_parse(f, w->out, n, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "name offset"));
	/* A property value longer than the block. */
	demo_tree(w, DEMO);
	w32(w->out + 56 + 8 + 4, 0x7fffffff);
	assert_int_equal(qemu_fdt_parse(f, w->out, n, why, sizeof(why)), -EINVAL);
	/* Bad magic. */
	demo_tree(w, DEMO);
	w->out[0] = 0;
	assert_int_equal(qemu_fdt_parse(f, w->out, n, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "bad magic"));
	free(f);
	free(w);
}

/* The built-in trees through dtc (Debian's device-tree-compiler, a dependency of the QEMU
 * frontends) and back: what the guest gets is what the layout says. */
static void test_builtin_through_dtc(void **state)
{
	char dir[] = "/tmp/qemu-dt-test-XXXXXX", dtb[4200], why[512], path[4300];
	struct qemu_dt_params p = {.builtin = QEMU_DT_DEMO,
				   .vcpus = 2,
				   .bootargs = "console=ttyAMA0",
				   .initrd_size = 0x1000};
	struct qemu_dt_layout l;
	int rc;

	(void)state;
	if (access("/usr/bin/dtc", X_OK)) {
		skip();
		return;
	}
	assert_non_null(mkdtemp(dir));
	p.workdir = dir;
	rc = qemu_dt_prepare(&p, &l, dtb, sizeof(dtb), why, sizeof(why));
	assert_int_equal(rc, 0);
	assert_int_equal(l.ram_ipa, QEMU_DT_DEMO_RAM_IPA);
	assert_int_equal(l.window_size, QEMU_DT_DEMO_WINDOW);
	assert_int_equal(l.ncpus, 2);
	assert_true(l.restricted_pool);
	p.builtin = QEMU_DT_WHOLE_RAM;
	assert_int_equal(qemu_dt_prepare(&p, &l, dtb, sizeof(dtb), why, sizeof(why)), 0);
	assert_int_equal(l.ram_size, 0);
	assert_int_equal(l.window_size, QEMU_DT_WHOLE_WINDOW);
	assert_int_equal(l.boot_ipa, EL2_WINDOW_IPA);
	assert_false(l.restricted_pool);
	/* A user's .dts dtc cannot read: its message, not a guess. */
	snprintf(path, sizeof(path), "%s/bad.dts", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("/dts-v1/;\n/ { oops\n", f);
	fclose(f);
	p.user_dts = path;
	assert_int_equal(qemu_dt_prepare(&p, &l, dtb, sizeof(dtb), why, sizeof(why)), -EIO);
	assert_non_null(strstr(why, "dtc could not read"));
	/* A kernel that is no arm64 Image. */
	assert_int_equal(qemu_dt_image_check(path, path, &p.initrd_size, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "regular file of at least 64 bytes"));
	snprintf(why, sizeof(why), "rm -rf %s", dir);
	assert_int_equal(system(why), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_demo_layout),
	    cmocka_unit_test(test_refused_layouts),
	    cmocka_unit_test(test_hostile_blobs),
	    cmocka_unit_test(test_builtin_through_dtc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
