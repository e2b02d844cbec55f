/* test_virtio_fs_rust.c - the device model against the seed's own backend: Debian 13's Rust
 * virtiofsd 1.13 (make backends) started with the demo's flags from
 * scenarios/seed-files/virtiofsd.cmdline (--tag=myfs ...; socket and shared directory ours).
 * Its config space comes through VHOST_USER_GET_CONFIG, the driver reads the tag it set, and a
 * FUSE_INIT round trip works over the rings; without --tag the config is ours, and a second
 * request queue is refused because it serves one. Skipped unless root with the Rust
 * virtiofsd fetched (DEVMODEL_TEST_RUST_VIRTIOFSD, default build/backends/rust/virtiofsd;
 * DEVMODEL_TEST_SEED_CMDLINE for the command line; both relative to the repository root). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_driver.h"
#include "log_capture.h"
#include "proc.h"
#include "rmtree.h"
#include "stack.h"
#include "vhost_user.h"
#include "virtio_fs.h"
#include "virtio_mmio.h"

#define GPA 0x10000000ULL
#define WIN 0x100000ULL
#define QSZ 8
#define MAX_ARGS 32

struct rust {
	char dir[64], share[96], sock[96], log[96];
	char line[512];
	char *argv[MAX_ARGS];
	pid_t pid;
	struct vhost_user vu;
	struct fake_driver_window w;
	char logged[4096];
};

static struct rust rs;

static const char *rust_path(void)
{
	const char *p = getenv("DEVMODEL_TEST_RUST_VIRTIOFSD");

	return p && *p ? p : "build/backends/rust/virtiofsd";
}

static bool can_run(void)
{
	return geteuid() == 0 && access(rust_path(), X_OK) == 0;
}

/* The demo's command line, run as it is but for its paths: `nohup`, the redirection and `&`
 * are the shell's; --socket-path and --shared-dir get ours; without_tag drops --tag. */
static void seed_argv(bool without_tag)
{
	static char sock_arg[128];
	const char *path = getenv("DEVMODEL_TEST_SEED_CMDLINE");
	char *tok, *save = NULL;
	FILE *f;
	int n = 0;

	if (!path)
		path = "scenarios/seed-files/virtiofsd.cmdline";
	f = fopen(path, "r");
	if (!f)
		fail_msg("%s: %s (run from the repository root or set DEVMODEL_TEST_SEED_CMDLINE)",
			 path, strerror(errno));
	assert_non_null(fgets(rs.line, sizeof(rs.line), f));
	fclose(f);
	snprintf(sock_arg, sizeof(sock_arg), "--socket-path=%s", rs.sock);
	for (tok = strtok_r(rs.line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		if (!strcmp(tok, "nohup"))
			continue;
		if (tok[0] == '>' || tok[0] == '&' || !strcmp(tok, "2>&1"))
			break;
		if (without_tag && !strncmp(tok, "--tag", 5))
			continue;
		assert_true(n + 2 < MAX_ARGS);
		if (!strcmp(tok, "virtiofsd"))
			rs.argv[n++] = (char *)rust_path();
		else if (!strncmp(tok, "--socket-path=", 14))
			rs.argv[n++] = sock_arg;
		else
			rs.argv[n++] = tok;
		if (!strcmp(tok, "--shared-dir")) {
			assert_non_null(strtok_r(NULL, " \n", &save)); /* the demo's /mnt */
			rs.argv[n++] = rs.share;
		}
	}
	rs.argv[n] = NULL;
	assert_string_equal(rs.argv[0], rust_path());
}

static void rust_start(bool without_tag)
{

	memset(&rs, 0, sizeof(rs));
	rs.w.memfd = -1;
	snprintf(rs.dir, sizeof(rs.dir), "/tmp/dmrust.XXXXXX");
	assert_non_null(mkdtemp(rs.dir));
	snprintf(rs.share, sizeof(rs.share), "%s/shared", rs.dir);
	snprintf(rs.sock, sizeof(rs.sock), "%s/Fs0.sock", rs.dir);
	snprintf(rs.log, sizeof(rs.log), "%s/virtiofsd.log", rs.dir);
	assert_int_equal(mkdir(rs.share, 0755), 0);
	seed_argv(without_tag);
	/* Started by the stack's backend launcher (waits for the socket), with the demo's flags. */
	rs.pid = stack_backend_spawn_argv(rs.argv, NULL, rs.sock, rs.log, 0, -1);
	assert_true(rs.pid > 0);
	assert_int_equal(vhost_user_connect(&rs.vu, rs.sock, 3000), 0);
	assert_int_equal(vhost_user_handshake(&rs.vu), 0);
	assert_int_equal(fake_driver_window_open(&rs.w, GPA, WIN), 0);
}

/* Closing the socket ends virtiofsd (it serves one connection); kill it if it lingers. */
static int rust_stop(void **state)
{
	(void)state;
	if (!rs.pid)
		return 0;
	vhost_user_close(&rs.vu);
	proc_stop(rs.pid, SIGTERM, 2000);
	rs.pid = 0;
	fake_driver_window_close(&rs.w);
	if (rmtree(rs.dir))
		print_message("could not remove %s\n", rs.dir);
	return 0;
}

static int nop_ioeventfd(void *ctx, int fd, uint64_t addr, uint64_t data, bool assign)
{
	(void)ctx, (void)fd, (void)addr, (void)data, (void)assign;
	return 0;
}

static int nop_irqfd(void *ctx, int fd, bool assign)
{
	(void)ctx, (void)fd, (void)assign;
	return 0;
}

static const struct virtio_mmio_platform nop_platform = {nop_ioeventfd, nop_irqfd};

static int fs_init(struct virtio_fs *fs, const char *tag, uint32_t nrq)
{
	struct virtio_fs_params fp = {.tag = tag,
				      .num_request_queues = nrq,
				      .shmem_addr = GPA,
				      .shmem_size = WIN,
				      .shmem_host = (uint64_t)(uintptr_t)rs.w.win,
				      .shmem_fd = rs.w.memfd};
	int rc;

	assert_int_equal(log_capture_begin(), 0);
	rc = virtio_fs_init(fs, &rs.vu, &fp);
	log_capture_end(rs.logged, sizeof(rs.logged));
	return rc;
}

/* The seed's command line: --tag=myfs makes the Rust virtiofsd offer CONFIG. The device model
 * serves its config space (tag myfs, 1 request queue) whatever config-fs.yaml said, and the
 * device works: FUSE_INIT over the request ring gets the Rust daemon's 7.38. */
static void test_seed_flags_config_from_rust(void **state)
{
	struct virtio_fs fs;
	struct virtio_mmio m;
	struct virtio_mmio_params mp = {
	    .base = 0xa003e00, .shmem_addr = GPA, .shmem_size = WIN, .queue_num_max = 1024};
	uint8_t cfg[VIRTIO_FS_CONFIG_SIZE], want[VIRTIO_FS_CONFIG_SIZE];
	uint32_t major = 0, minor = 0;
	uint16_t idx = 0;

	(void)state;
	if (!can_run())
		skip();
	rust_start(false);
	assert_true(rs.vu.protocol_acked & (1ULL << VHOST_USER_PROTOCOL_F_CONFIG));
	assert_true(rs.vu.protocol_acked & (1ULL << VHOST_USER_PROTOCOL_F_MQ));
	assert_int_equal(rs.vu.queue_num, 2);
	assert_int_equal(fs_init(&fs, "fromyaml", 1), 0);
	assert_true(fs.config_from_backend);
	assert_string_equal(fs.cfg.tag, "myfs");
	assert_int_equal(fs.cfg.num_request_queues, 1);
	assert_non_null(strstr(rs.logged, "config-fs.yaml's tag 'fromyaml'"));
	mp.shmem_host = (uint64_t)(uintptr_t)rs.w.win;
	mp.nqueues = virtio_fs_num_queues(&fs);
	assert_int_equal(virtio_mmio_init(&m, &mp, &virtio_fs_ops, &fs, &nop_platform, NULL), 0);
	/* What the guest's virtiofs driver reads: the Rust daemon's tag, byte for byte. */
	fake_driver_read_config(&m, cfg);
	assert_int_equal(virtio_fs_config_build("myfs", 1, want), 0);
	assert_memory_equal(cfg, want, sizeof(cfg));
	assert_int_equal(fake_driver_bring_up(&m, &rs.w, 2, QSZ), 0xf);
	assert_int_equal(
	    fake_driver_fuse_init(&rs.w, 1, QSZ, m.q[1].kick_fd, m.irq_fd, &idx, &major, &minor),
	    0);
	assert_int_equal(major, 7);
	assert_true(minor >= 38);
	virtio_mmio_destroy(&m);
}

/* Without --tag (how the stack starts it) there is no CONFIG: the config space is built from
 * config-fs.yaml; asking it for 2 request queues is refused - it serves hiprio + 1. */
static void test_without_tag_config_ours_one_request_queue(void **state)
{
	struct virtio_fs fs;

	(void)state;
	if (!can_run())
		skip();
	rust_start(true);
	assert_false(rs.vu.protocol_acked & (1ULL << VHOST_USER_PROTOCOL_F_CONFIG));
	assert_int_equal(fs_init(&fs, "yamlfs", 1), 0);
	assert_false(fs.config_from_backend);
	assert_string_equal(fs.cfg.tag, "yamlfs");
	assert_int_equal(fs_init(&fs, "yamlfs", 2), -EINVAL);
	assert_non_null(strstr(rs.logged, "2 request queue(s) need 3 queues (hiprio + 2) but "
					  "virtiofsd"));
	assert_non_null(strstr(rs.logged, "serves 2 (GET_QUEUE_NUM)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_seed_flags_config_from_rust, rust_stop),
	    cmocka_unit_test_teardown(test_without_tag_config_ours_one_request_queue, rust_stop),
	};

	signal(SIGPIPE, SIG_IGN);
	if (!can_run())
		print_message("test_virtio_fs_rust: skipped: needs root and %s (make backends)\n",
			      rust_path());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
