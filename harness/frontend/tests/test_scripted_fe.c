/* test_scripted_fe.c - the whole scripted frontend (virtio-mmio probe/init, queues, FUSE
 * client, vfs) against a fake virtio-fs device in the same process: an emulated register
 * file whose QueueNotify walks the chains with vq_dev and answers from an in-memory file
 * system, or with armed hostile replies that must come back as errors, never crashes. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <linux/virtio_config.h>

#include "clock.h"
#include "fake_vfsdev.h"
#include "fake_vfsdev_fs.h"
#include "fuse_ops.h"
#include "scripted_fe.h"

#define GPA 0x10000000ull
#define WIN (16u << 20)
#define BASE 0xa003e00ull

struct fx {
	uint8_t *mem;
	struct fake_vfsdev dev;
	struct fake_vfsdev_fs fs;
	struct scripted_fe_opts opts;
	struct scripted_fe *fe;
	const struct vfs_ops *v;
};

static int fx_setup_policy(void **state, enum fe_wait_policy wait)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->mem = aligned_alloc(4096, WIN);
	fake_vfsdev_fs_init(&f->fs);
	assert_int_equal(
	    fake_vfsdev_init(&f->dev, f->mem, GPA, WIN, BASE, fake_vfsdev_fs_handle, &f->fs), 0);
	f->opts = (struct scripted_fe_opts){
	    .mmio_base = BASE, .tag = "myfs", .wait = wait, .request_timeout_ms = 300};
	f->v = &fuse_vfs_ops;
	*state = f;
	return 0;
}

static int fx_setup(void **state)
{
	return fx_setup_policy(state, FE_WAIT_ADAPTIVE);
}

static int fx_setup_open(void **state)
{
	struct fx *f;

	fx_setup(state);
	f = *state;
	assert_int_equal(scripted_fe_open(&f->dev.bus, &f->opts, &f->fe), 0);
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	scripted_fe_close(f->fe);
	fake_vfsdev_destroy(&f->dev);
	fake_vfsdev_fs_destroy(&f->fs);
	free(f->mem);
	free(f);
	return 0;
}

static void test_probe_init(void **state)
{
	struct fx *f = *state;
	const uint32_t ok = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
			    VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK;

	assert_int_equal(scripted_fe_open(&f->dev.bus, &f->opts, &f->fe), 0);
	assert_int_equal(f->dev.status, ok);
	/* VERSION_1 and ACCESS_PLATFORM only: no EVENT_IDX, no INDIRECT_DESC. */
	assert_int_equal(f->dev.drv_features,
			 (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_ACCESS_PLATFORM));
	assert_int_equal(f->dev.q[0].ready, 1);
	assert_int_equal(f->dev.q[1].ready, 1);
	assert_int_equal(f->dev.q[1].num, 1024);
	assert_true(f->dev.q[1].desc >= GPA && f->dev.q[1].used < GPA + WIN);
	assert_int_equal(f->dev.bad_accesses, 0);
	assert_true(f->fs.initialized);
	assert_string_equal(scripted_fe_tag(f->fe), "myfs");
	assert_int_equal(scripted_fe_stats(f->fe)->fuse_requests[FUSE_INIT], 1);
	assert_int_equal(scripted_fe_client(f->fe)->minor, 36);
	assert_int_equal(scripted_fe_client(f->fe)->max_write, 1u << 20);
	/* close: DESTROY then reset */
	scripted_fe_close(f->fe);
	f->fe = NULL;
	assert_int_equal(f->fs.ops[FUSE_DESTROY], 1);
	assert_int_equal(f->dev.status, 0);
}

static void test_open_failures(void **state)
{
	struct fx *f = *state;

	f->opts.tag = "other";
	assert_int_equal(scripted_fe_open(&f->dev.bus, &f->opts, &f->fe), -ENODEV);
	assert_null(f->fe);
	f->opts.tag = NULL;
	f->dev.refuse_features = true;
	assert_int_equal(scripted_fe_open(&f->dev.bus, &f->opts, &f->fe), -ENODEV);
	assert_int_equal(f->dev.status, 0); /* reset on the way out */
	f->dev.refuse_features = false;
	f->opts.queue_size = 4096; /* above QueueNumMax 1024 */
	assert_int_equal(scripted_fe_open(&f->dev.bus, &f->opts, &f->fe), -EINVAL);
	f->opts.queue_size = 0;
	f->opts.mmio_base = BASE + 0x1000; /* nothing there */
	assert_true(scripted_fe_open(&f->dev.bus, &f->opts, &f->fe) < 0);
	f->opts.mmio_base = BASE;
	f->opts.queue_size = 64;
	assert_int_equal(scripted_fe_open(&f->dev.bus, &f->opts, &f->fe), 0);
	assert_int_equal(f->dev.q[1].num, 64);
}

static void put(struct fx *f, const char *path, int flags, const char *data)
{
	uint64_t fh;

	assert_int_equal(f->v->open(f->fe, path, flags, 0644, &fh), 0);
	assert_int_equal(
	    f->v->pwrite(f->fe, fh, data, strlen(data), (flags & O_APPEND) ? VFS_OFF_APPEND : 0),
	    (ssize_t)strlen(data));
	assert_int_equal(f->v->close(f->fe, fh), 0);
}

static void expect_content(struct fx *f, const char *path, const char *want)
{
	char got[256] = {0};
	uint64_t fh;

	assert_int_equal(f->v->open(f->fe, path, O_RDONLY, 0, &fh), 0);
	assert_int_equal(f->v->pread(f->fe, fh, got, sizeof(got) - 1, 0), (ssize_t)strlen(want));
	assert_string_equal(got, want);
	assert_int_equal(f->v->close(f->fe, fh), 0);
}

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	struct vfs_stat st;

	put(f, "/a.txt", O_WRONLY | O_CREAT | O_TRUNC, "hello world");
	expect_content(f, "/a.txt", "hello world");
	assert_int_equal(f->v->lstat(f->fe, "/a.txt", &st), 0);
	assert_int_equal(st.size, 11);
	assert_int_equal(st.mode, S_IFREG | 0644);
	/* Rewrite an existing file: LOOKUP + SETATTR size 0 + OPEN, never CREATE without O_EXCL. */
	put(f, "/a.txt", O_WRONLY | O_CREAT | O_TRUNC, "bye");
	expect_content(f, "/a.txt", "bye");
	put(f, "/a.txt", O_WRONLY | O_CREAT | O_APPEND, "+more");
	expect_content(f, "/a.txt", "bye+more");
	assert_int_equal(f->fs.creates_without_excl, 0);
	assert_int_equal(f->fs.ops[FUSE_CREATE], 1);
	{
		uint64_t fh;

		assert_int_equal(
		    f->v->open(f->fe, "/a.txt", O_WRONLY | O_CREAT | O_EXCL, 0644, &fh), -EEXIST);
		assert_int_equal(f->v->open(f->fe, "/nope", O_RDONLY, 0, &fh), -ENOENT);
		assert_int_equal(f->v->open(f->fe, "/nope/x", O_RDWR | O_CREAT, 0644, &fh),
				 -ENOENT);
	}
	assert_int_equal(f->v->truncate(f->fe, "/a.txt", 2), 0);
	expect_content(f, "/a.txt", "by");
	assert_int_equal(f->v->lstat(f->fe, "/", &st), 0);
	assert_true(S_ISDIR(st.mode));
}

struct names {
	char n[8][32];
	int count;
};

static int collect(void *arg, const char *name)
{
	struct names *ns = arg;

	if (ns->count < 8)
		strcpy(ns->n[ns->count++], name);
	return 0;
}

static void test_dirs_and_links(void **state)
{
	struct fx *f = *state;
	struct names ns = {0};
	struct vfs_stat st;
	char t[64];

	assert_int_equal(f->v->mkdir(f->fe, "/d", 0755), 0);
	assert_int_equal(f->v->mkdir(f->fe, "/d", 0755), -EEXIST);
	assert_int_equal(f->v->mkdir(f->fe, "/d/sub", 0700), 0);
	put(f, "/d/sub/f", O_WRONLY | O_CREAT, "deep");
	assert_int_equal(f->v->lstat(f->fe, "/d/sub", &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 0700);
	assert_int_equal(f->v->list(f->fe, "/d", collect, &ns), 0);
	assert_int_equal(ns.count, 1);
	assert_string_equal(ns.n[0], "sub");
	/* Symlinks: relative, intermediate, with '..', final followed or not. */
	assert_int_equal(f->v->symlink(f->fe, "sub/f", "/d/lf"), 0);
	assert_int_equal(f->v->symlink(f->fe, "../d/sub", "/d/ld"), 0);
	expect_content(f, "/d/lf", "deep");
	expect_content(f, "/d/ld/f", "deep");
	assert_int_equal(f->v->readlink(f->fe, "/d/ld", t, sizeof(t)), 8);
	assert_memory_equal(t, "../d/sub", 8);
	assert_int_equal(f->v->readlink(f->fe, "/d/sub", t, sizeof(t)), -EINVAL);
	assert_int_equal(f->v->lstat(f->fe, "/d/lf", &st), 0);
	assert_true(S_ISLNK(st.mode));
	assert_int_equal(f->v->truncate(f->fe, "/d/lf", 1), 0);
	expect_content(f, "/d/sub/f", "d");
	assert_int_equal(f->v->symlink(f->fe, "loop", "/loop"), 0);
	assert_int_equal(f->v->lstat(f->fe, "/loop/x", &st), -ELOOP);
	assert_int_equal(f->v->symlink(f->fe, "/etc", "/abs"), 0);
	assert_int_equal(f->v->list(f->fe, "/abs", collect, &ns), -EXDEV);
	/* rename, unlink, rmdir */
	assert_int_equal(f->v->rename(f->fe, "/d/sub/f", "/g"), 0);
	expect_content(f, "/g", "d");
	assert_int_equal(f->v->rmdir(f->fe, "/d"), -ENOTEMPTY);
	assert_int_equal(f->v->unlink(f->fe, "/d/lf"), 0);
	assert_int_equal(f->v->unlink(f->fe, "/d/ld"), 0);
	assert_int_equal(f->v->rmdir(f->fe, "/d/sub"), 0);
	assert_int_equal(f->v->rmdir(f->fe, "/d"), 0);
	assert_int_equal(f->v->lstat(f->fe, "/d", &st), -ENOENT);
	assert_int_equal(f->v->unlink(f->fe, "/"), -EISDIR);
	/* Every LOOKUP reference was given back with FORGET. */
	for (unsigned int i = 0; i < FAKE_VFSDEV_FS_NODES; i++)
		assert_int_equal(f->fs.node[i].nlookup, 0);
}

static void test_big_io(void **state)
{
	struct fx *f = *state;
	size_t n = 3u << 20;
	uint8_t *a = malloc(n), *b = malloc(n);
	uint64_t fh;

	for (size_t i = 0; i < n; i++)
		a[i] = (uint8_t)(i * 31 + (i >> 13));
	assert_int_equal(f->v->open(f->fe, "/big", O_RDWR | O_CREAT, 0600, &fh), 0);
	assert_int_equal(f->v->pwrite(f->fe, fh, a, n, 0), (ssize_t)n);
	assert_int_equal(f->v->pread(f->fe, fh, b, n, 0), (ssize_t)n);
	assert_memory_equal(a, b, n);
	assert_int_equal(f->v->pread(f->fe, fh, b, 100, n - 10), 10);
	assert_int_equal(f->v->fsync(f->fe, fh), 0);
	assert_int_equal(f->v->close(f->fe, fh), 0);
	assert_int_equal(f->v->close(f->fe, fh), -EBADF);
	/* Writes were split at the negotiated chunk (1 MiB). */
	assert_int_equal(f->fs.ops[FUSE_WRITE], 3);
	free(a);
	free(b);
}

static void test_remount(void **state)
{
	struct fx *f = *state;

	put(f, "/keep", O_WRONLY | O_CREAT, "x");
	assert_int_equal(scripted_fe_remount(f->fe), 0);
	assert_int_equal(f->fs.ops[FUSE_DESTROY], 1);
	assert_int_equal(f->fs.ops[FUSE_INIT], 2);
	expect_content(f, "/keep", "x");
}

static int getattr_root(struct fx *f)
{
	struct fuse_attr_out a;

	return fuse_ops_getattr(scripted_fe_client(f->fe), FUSE_ROOT_ID, &a);
}

static void arm(struct fx *f, enum fake_vfsdev_hostile h, uint32_t opcode)
{
	f->dev.hostile = h;
	f->dev.hostile_opcode = opcode;
}

static void test_hostile_replies(void **state)
{
	static const struct {
		enum fake_vfsdev_hostile h;
		int err;
	} cases[] = {
	    {FAKE_HOSTILE_BAD_UNIQUE, -EPROTO}, {FAKE_HOSTILE_BAD_LEN, -EPROTO},
	    {FAKE_HOSTILE_POS_ERROR, -EPROTO},	{FAKE_HOSTILE_HUGE_ERROR, -EPROTO},
	    {FAKE_HOSTILE_SHORT_BODY, -EPROTO}, {FAKE_HOSTILE_DROP, -EIO},
	};
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		arm(f, cases[i].h, FUSE_GETATTR);
		assert_int_equal(getattr_root(f), cases[i].err);
		/* A malformed reply fails its request only; the next one works. */
		assert_int_equal(getattr_root(f), 0);
	}
	/* Through the vfs: a bad LOOKUP reply is an error, not a crash. */
	{
		struct vfs_stat st;

		put(f, "/x", O_WRONLY | O_CREAT, "1");
		arm(f, FAKE_HOSTILE_SHORT_BODY, FUSE_LOOKUP);
		assert_int_equal(f->v->lstat(f->fe, "/x", &st), -EPROTO);
		assert_int_equal(f->v->lstat(f->fe, "/x", &st), 0);
	}
}

static void test_hostile_used_ring(void **state)
{
	struct fx *f = *state;

	/* A used element naming a descriptor that is not a chain head breaks the queue. */
	arm(f, FAKE_HOSTILE_USED_ID, FUSE_GETATTR);
	assert_int_equal(getattr_root(f), -EIO);
	assert_true(scripted_fe_client(f->fe)->vq[1]->broken);
	assert_int_equal(getattr_root(f), -EIO); /* sticky */
	/* A reset brings it back. */
	assert_int_equal(scripted_fe_reinit(f->fe), 0);
	assert_int_equal(getattr_root(f), 0);
	arm(f, FAKE_HOSTILE_USED_LEN, FUSE_GETATTR);
	assert_int_equal(getattr_root(f), -EIO);
	assert_non_null(strstr(scripted_fe_client(f->fe)->vq[1]->why, "writable bytes"));
}

static void test_needs_reset(void **state)
{
	struct fx *f = *state;

	arm(f, FAKE_HOSTILE_NEEDS_RESET, FUSE_GETATTR);
	assert_int_equal(getattr_root(f), -EIO);
	assert_int_equal(getattr_root(f), -EIO);
	assert_true(scripted_fe_stats(f->fe)->irqs_seen > 0);
	assert_int_equal(scripted_fe_reinit(f->fe), 0);
	assert_int_equal(getattr_root(f), 0);
}

static void test_timeouts(void **state)
{
	struct fx *f = *state;
	int64_t t0 = clock_now_ns();

	arm(f, FAKE_HOSTILE_NO_COMPLETION, FUSE_GETATTR);
	assert_int_equal(getattr_root(f), -ETIMEDOUT);
	assert_true(clock_now_ns() - t0 >= 290 * 1000000ll); /* request_timeout_ms 300 */
	assert_int_equal(getattr_root(f), 0); /* the lost request does not block others */
	/* An absolute deadline overrides the per-request timeout. */
	arm(f, FAKE_HOSTILE_NO_COMPLETION, FUSE_GETATTR);
	t0 = clock_now_ns();
	scripted_fe_set_deadline(f->fe, t0 + 50 * 1000000ll);
	assert_int_equal(getattr_root(f), -ETIMEDOUT);
	assert_true(clock_now_ns() - t0 < 250 * 1000000ll);
	scripted_fe_set_deadline(f->fe, 0);
}

static void test_raw(void **state)
{
	struct fx *f = *state;
	struct fuse_client *fc = scripted_fe_client(f->fe);
	struct fuse_getattr_in g = {0};
	struct fuse_msg_req m = {
	    .opcode = FUSE_GETATTR, .unique = 1234, .nodeid = 1, .arg = &g, .arg_len = sizeof(g)};
	uint8_t req[128], rep[512];
	struct fuse_out_header h;
	size_t len, rlen;

	assert_int_equal(fuse_msg_encode(&m, req, sizeof(req), &len), 0);
	assert_int_equal(fuse_client_raw(fc, 1, req, len, rep, sizeof(rep), &rlen), 0);
	assert_int_equal(rlen, 16 + sizeof(struct fuse_attr_out));
	memcpy(&h, rep, sizeof(h));
	assert_int_equal(h.unique, 1234);
	/* An unknown opcode: the fake device cannot decode it and completes with used.len 0. */
	memcpy(req + 4, &(uint32_t){999}, 4);
	assert_int_equal(fuse_client_raw(fc, 1, req, len, rep, sizeof(rep), &rlen), 0);
	assert_int_equal(rlen, 0);
	/* Shorter than a FUSE header. */
	assert_int_equal(fuse_client_raw(fc, 1, req, 10, rep, sizeof(rep), &rlen), 0);
	assert_int_equal(rlen, 0);
}

static void test_async_depth(void **state)
{
	struct fx *f = *state;
	struct fuse_client *fc = scripted_fe_client(f->fe);
	struct fuse_client_req r[16];
	struct fuse_getattr_in g = {0};
	uint64_t buf;

	assert_int_equal(window_alloc_get(fc->wa, 16 * 256, 64, &buf), 0);
	for (int i = 0; i < 16; i++) {
		struct fuse_msg_req m = {.opcode = FUSE_GETATTR,
					 .unique = fuse_client_unique(fc),
					 .nodeid = 1,
					 .arg = &g,
					 .arg_len = sizeof(g)};
		size_t len;

		assert_int_equal(
		    fuse_msg_encode(&m, window_alloc_hva(fc->wa, buf + 256 * i, 128), 128, &len),
		    0);
		r[i] = (struct fuse_client_req){.in_gpa = buf + 256 * i,
						.in_len = (uint32_t)len,
						.out_gpa = buf + 256 * i + 128,
						.out_len = 128,
						.queue = 1};
		assert_int_equal(fuse_client_submit_async(fc, &r[i]), 0);
	}
	for (int i = 0; i < 16; i++) {
		struct fuse_client_req *done;
		struct fuse_msg_reply rep;

		assert_int_equal(fuse_client_complete(fc, &done), 0);
		assert_true(done >= r && done < r + 16);
		assert_int_equal(done->status, 0);
		assert_int_equal(fuse_msg_decode_reply(window_alloc_hva(fc->wa, done->out_gpa, 128),
						       128, done->used_len, done->unique,
						       FUSE_GETATTR, 0, &rep, NULL, 0),
				 0);
	}
	assert_int_equal(window_alloc_put(fc->wa, buf, 16 * 256), 0);
}

/* Confinement: no chain may point outside the shared window, whatever the caller passes; and
 * requests in flight across a reset each end exactly once. */
static void test_confined_buffers_and_reset_inflight(void **state)
{
	struct fx *f = *state;
	struct fuse_client *fc = scripted_fe_client(f->fe);
	struct scripted_fe_inflight_report rep;
	struct scripted_fe_inflight *inf;
	unsigned int before = fc->vq[1]->in_flight;
	uint64_t buf;
	struct fuse_client_req r;

	assert_int_equal(window_alloc_get(fc->wa, 256, 64, &buf), 0);
	/* Reply buffer just below the window, then one running past its end. */
	r = (struct fuse_client_req){
	    .in_gpa = buf, .in_len = 56, .out_gpa = fc->wa->gpa - 4096, .out_len = 128, .queue = 1};
	assert_int_equal(fuse_client_submit(fc, &r), -EINVAL);
	r.out_gpa = fc->wa->gpa + fc->wa->size - 64;
	assert_int_equal(fuse_client_submit(fc, &r), -EINVAL);
	/* Request header outside: refused before anything is read from it. */
	r = (struct fuse_client_req){.in_gpa = 0x1000, .in_len = 56, .queue = 1};
	assert_int_equal(fuse_client_submit(fc, &r), -EINVAL);
	assert_int_equal(fc->vq[1]->in_flight, before);
	assert_int_equal(window_alloc_put(fc->wa, buf, 256), 0);
	/* Eight requests in flight, a reset, re-initialisation: each ends once. */
	assert_int_equal(scripted_fe_fault_inflight_post(f->fe, 8, &inf), 0);
	assert_int_equal(scripted_fe_reinit(f->fe), 0);
	assert_int_equal(scripted_fe_fault_inflight_finish(f->fe, inf, 0, &rep), 0);
	assert_int_equal(rep.posted, 8);
	assert_int_equal(rep.completed + rep.failed, 8);
	assert_int_equal(rep.bad, 0);
	assert_int_equal(getattr_root(f), 0);
}

static void run_policy(void **state, enum fe_wait_policy wait)
{
	struct fx *f;

	fx_setup_policy(state, wait);
	f = *state;
	assert_int_equal(scripted_fe_open(&f->dev.bus, &f->opts, &f->fe), 0);
	put(f, "/p", O_WRONLY | O_CREAT, "policy");
	expect_content(f, "/p", "policy");
	fx_teardown(state);
}

static void test_wait_policies(void **state)
{
	run_policy(state, FE_WAIT_BLOCK);
	run_policy(state, FE_WAIT_POLL);
	run_policy(state, FE_WAIT_ADAPTIVE);
}

#define T(fn, s) cmocka_unit_test_setup_teardown(fn, s, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_probe_init, fx_setup),
	    T(test_open_failures, fx_setup),
	    T(test_round_trip, fx_setup_open),
	    T(test_dirs_and_links, fx_setup_open),
	    T(test_big_io, fx_setup_open),
	    T(test_remount, fx_setup_open),
	    T(test_hostile_replies, fx_setup_open),
	    T(test_hostile_used_ring, fx_setup_open),
	    T(test_needs_reset, fx_setup_open),
	    T(test_timeouts, fx_setup_open),
	    T(test_raw, fx_setup_open),
	    T(test_async_depth, fx_setup_open),
	    T(test_confined_buffers_and_reset_inflight, fx_setup_open),
	    cmocka_unit_test(test_wait_policies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
