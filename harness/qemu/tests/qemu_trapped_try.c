/* qemu_trapped_try.c - the trapped QEMU frontend end to end: virtiofsd on a fresh share, fakebao
 * adopting the window file, the device model (Bao UAPI through libfakebao-preload.so), the
 * el2_host mailbox server, then QEMU with the EL2 stub hosting the Debian guest. Runs steps
 * (as qemu_fe_try does), prints fakebao's trap counts, the stub's counters, the interrupt
 * latency and, with QEMU_TRAPPED_IDLE_S=N, QEMU's CPU use over N idle seconds. Exit 0 = all ok. */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "el2_host.h"
#include "fakebao.h"
#include "log.h"
#include "proc.h"
#include "qemu_fe.h"
#include "rmtree.h"

#define VIRTIOFSD "/usr/lib/qemu/virtiofsd"
#define WAIT_STEP_MS 5

struct trapped {
	char run[200], share[224], path[320];
	pid_t vfsd, dm;
	int ram0_fd, win_fd;
	uint64_t win_size;
	struct el2_mailbox *mb;
	struct fakebao *fb;
	struct el2_host *host;
	struct qemu_fe *q;
	struct el2_host_tuning tune;
};

static void nap_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static uint32_t env_u32(const char *name, uint32_t dflt)
{
	const char *v = getenv(name);

	return v && *v ? (uint32_t)strtoul(v, NULL, 0) : dflt;
}

static const char *run_path(struct trapped *t, const char *name)
{
	snprintf(t->path, sizeof(t->path), "%s/%s", t->run, name);
	return t->path;
}

static int start_virtiofsd(struct trapped *t)
{
	char sock[PATH_MAX + 32], src[PATH_MAX + 16];
	char *argv[] = {VIRTIOFSD, sock, "-o", src, "-o", "cache=none", NULL};
	char *unset[] = {"LD_PRELOAD", NULL};
	FILE *log;
	int waited;

	snprintf(sock, sizeof(sock), "--socket-path=%s/Fs0.sock", t->run);
	snprintf(src, sizeof(src), "source=%s", t->share);
	log = fopen(run_path(t, "virtiofsd.log"), "we");
	if (!log)
		return -errno;
	t->vfsd = proc_spawn(argv, NULL, unset, fileno(log));
	fclose(log);
	if (t->vfsd < 0)
		return (int)t->vfsd;
	for (waited = 0; waited < 5000; waited += WAIT_STEP_MS) {
		if (access(run_path(t, "Fs0.sock"), F_OK) == 0)
			return 0;
		if (!proc_alive(t->vfsd, NULL)) {
			t->vfsd = 0;
			log_err("virtiofsd exited (see %s/virtiofsd.log; needs root)", t->run);
			return -ECHILD;
		}
		nap_ms(WAIT_STEP_MS);
	}
	return -ETIMEDOUT;
}

static int start_fakebao(struct trapped *t)
{
	char sock[PATH_MAX + 32];
	struct fakebao_config cfg = {
	    .shmem_addr = EL2_WINDOW_IPA,
	    .shmem_size = t->win_size,
	    .irq = FAKEBAO_DEFAULT_IRQ,
	    .nr_vcpus = 1,
	    .window_fd = t->win_fd,
	    .socket_path = sock,
	    .trap_timeout_ms = 10000,
	    .spin_us = 50,
	};
	int rc;

	snprintf(sock, sizeof(sock), "%s/fakebao.sock", t->run);
	rc = fakebao_create(&cfg, &t->fb);
	return rc ? rc : fakebao_add_trap_region(t->fb, EL2_MMIO_BASE, EL2_MMIO_SIZE, 0);
}

static int sibling(const char *name, char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		return -errno;
	self[n] = '\0';
	return (size_t)snprintf(buf, len, "%s/%s", dirname(self), name) >= len ? -ENAMETOOLONG : 0;
}

static int start_devmodel(struct trapped *t, int verbose)
{
	char dm[PATH_MAX], pre[PATH_MAX], cfg[PATH_MAX + 32], env_pre[PATH_MAX + 16],
	    env_sock[PATH_MAX + 64];
	char *argv[] = {dm, "--config", cfg, verbose ? "-v" : NULL, NULL};
	char *env[] = {env_pre, env_sock, NULL};
	FILE *f;
	int waited;

	if (sibling("bao-virtio-dm", dm, sizeof(dm)) ||
	    sibling("libfakebao-preload.so", pre, sizeof(pre)))
		return -ENAMETOOLONG;
	snprintf(cfg, sizeof(cfg), "%s/config-fs.yaml", t->run);
	f = fopen(cfg, "we");
	if (!f)
		return -errno;
	fprintf(f,
		"devices:\n  - id: 0\n    type: \"fs\"\n    mmio_addr: 0x%llx\n"
		"    data_plane: vhost_user\n    socket_path: \"%s/\"\n",
		EL2_MMIO_BASE, t->run);
	fclose(f);
	snprintf(env_pre, sizeof(env_pre), "LD_PRELOAD=%s", pre);
	snprintf(env_sock, sizeof(env_sock), "%s=%s/fakebao.sock", FAKEBAO_SOCKET_ENV, t->run);
	t->dm = proc_spawn(argv, env, NULL, -1);
	if (t->dm < 0)
		return (int)t->dm;
	for (waited = 0; waited < 10000; waited += WAIT_STEP_MS) {
		if (fakebao_dm_connected(t->fb) > 0)
			return 0;
		if (!proc_alive(t->dm, NULL)) {
			t->dm = 0;
			log_err("device model %s exited before attaching", dm);
			return -ECHILD;
		}
		nap_ms(WAIT_STEP_MS);
	}
	return -ETIMEDOUT;
}

static int start_backing(struct trapped *t)
{
	char ram0[PATH_MAX + 64];
	int rc;

	snprintf(ram0, sizeof(ram0), "%s/el2-ram0", t->run);
	if ((t->ram0_fd = el2_host_create_file(ram0, EL2_RAM0_SIZE)) < 0)
		return t->ram0_fd;
	if ((t->win_fd = el2_host_create_file(run_path(t, "window"), t->win_size)) < 0)
		return t->win_fd;
	rc = el2_host_map_mailbox(t->ram0_fd, t->win_size, &t->tune, &t->mb);
	return rc;
}

static int start_all(struct trapped *t, const char *image_dir, const char *stub, int verbose)
{
	char ram0[PATH_MAX + 64], win[PATH_MAX + 64], work[PATH_MAX + 64];
	struct qemu_fe_opts o = {.mode = "trapped",
				 .image_dir = image_dir,
				 .workdir = work,
				 .boot_timeout_ms = 30000,
				 .verbose = verbose,
				 .el2_stub = stub,
				 .ram0_file = ram0,
				 .window_file = win,
				 .window_size = t->win_size};
	double t0;
	int rc;

	snprintf(ram0, sizeof(ram0), "%s/el2-ram0", t->run);
	snprintf(win, sizeof(win), "%s/window", t->run);
	snprintf(work, sizeof(work), "%s/qemu", t->run);
	if (t->tune.doorbell_path)
		o.doorbell_socket = t->tune.doorbell_path;
	if ((rc = start_backing(t)) || (rc = start_virtiofsd(t)) || (rc = start_fakebao(t)) ||
	    (rc = start_devmodel(t, verbose)) ||
	    (rc = el2_host_start(t->fb, t->mb, &t->tune, &t->host)))
		return rc;
	t0 = ((double)clock_now_ns() / 1e9);
	rc = qemu_fe_start(&o, &t->q);
	if (rc == 0)
		printf("# boot to READY (mounted): %.2f s\n", ((double)clock_now_ns() / 1e9) - t0);
	return rc;
}

static void stop_all(struct trapped *t, int keep)
{
	if (t->q)
		qemu_fe_stop(t->q);
	el2_host_stop(t->host);
	if (t->dm > 0)
		proc_stop(t->dm, SIGTERM, 3000);
	fakebao_destroy(t->fb);
	if (t->vfsd > 0)
		proc_stop(t->vfsd, 0, 300);
	el2_host_unmap_mailbox(t->mb);
	if (t->ram0_fd >= 0)
		close(t->ram0_fd);
	if (t->win_fd >= 0)
		close(t->win_fd);
	if (keep)
		fprintf(stderr, "# kept %s\n", t->run);
	else
		rmtree(t->run);
}

/* One step: 'text' must pass, '?text' must fail, '=cmd' runs on the host (%s = the share). */
static int run_step(struct trapped *t, unsigned int no, const char *arg)
{
	char why[1024] = "", cmd[4096];
	int want_fail = arg[0] == '?', rc;

	if (arg[0] == '=') {
		snprintf(cmd, sizeof(cmd), "cd '%s' && %s", t->share, arg + 1);
		rc = system(cmd);
		printf("%s %u - host: %s\n", rc == 0 ? "ok" : "not ok", no, arg + 1);
		return rc == 0 ? 0 : 1;
	}
	rc = qemu_fe_step(t->q, no, arg + want_fail, 30000, why, sizeof(why));
	if (rc < 0 || rc != want_fail) {
		printf("not ok %u - %s: %s\n", no, arg, rc < 0 || rc ? why : "passed unexpectedly");
		return rc < 0 ? rc : 1;
	}
	printf("ok %u - %s\n", no, arg);
	return 0;
}

static const char *const default_steps[] = {"write /g.txt \"from guest\\n\"",
					    "=test \"$(cat g.txt)\" = 'from guest'",
					    "read /h.txt \"from host\"",
					    "=printf 'edited on host' > h.txt",
					    "read /h.txt \"edited on host\"",
					    "fail ENOENT read /nope",
					    "mkdir /d",
					    "write /d/a @rand:100000:3",
					    "pread /d/a 99990 10",
					    "list /d a",
					    "=test $(stat -c %s d/a) = 100000",
					    NULL};

static void print_stats(struct trapped *t)
{
	static const char *const names[FAKEBAO_MMIO_STAT_REGS] = {[0x00 / 4] = "Magic",
								  [0x04 / 4] = "Version",
								  [0x08 / 4] = "DeviceID",
								  [0x0c / 4] = "VendorID",
								  [0x10 / 4] = "DevFeatures",
								  [0x14 / 4] = "DevFeaturesSel",
								  [0x20 / 4] = "DrvFeatures",
								  [0x24 / 4] = "DrvFeaturesSel",
								  [0x30 / 4] = "QueueSel",
								  [0x34 / 4] = "QueueNumMax",
								  [0x38 / 4] = "QueueNum",
								  [0x44 / 4] = "QueueReady",
								  [0x80 / 4] = "QueueDescLow",
								  [0x84 / 4] = "QueueDescHigh",
								  [0x90 / 4] = "QueueDriverLow",
								  [0x94 / 4] = "QueueDriverHigh",
								  [0xa0 / 4] = "QueueDeviceLow",
								  [0xa4 / 4] = "QueueDeviceHigh",
								  [0xfc / 4] = "ConfigGeneration",
								  [0x50 / 4] = "QueueNotify",
								  [0x60 / 4] = "InterruptStatus",
								  [0x64 / 4] = "InterruptACK",
								  [0x70 / 4] = "Status"};
	struct fakebao_stats fs;
	struct el2_host_stats hs;

	fakebao_get_stats(t->fb, &fs);
	el2_host_get_stats(t->host, &hs);
	printf("# fakebao: traps %" PRIu64 ", to DM %" PRIu64 ", ioeventfd kicks %" PRIu64
	       ", irqs %" PRIu64 ", timeouts %" PRIu64 "\n",
	       fs.mmio_traps, fs.mmio_to_dm, fs.ioeventfd_kicks, fs.irqs_injected,
	       fs.trap_timeouts);
	for (int i = 0; i < FAKEBAO_MMIO_STAT_REGS; i++)
		if (fs.mmio_reads[i] || fs.mmio_writes[i])
			printf("#   0x%03x %-16s reads %6" PRIu64 " writes %6" PRIu64 "\n", i * 4,
			       names[i] ? names[i] : (i >= 0x100 / 4 ? "Config" : "?"),
			       fs.mmio_reads[i], fs.mmio_writes[i]);
	printf("# el2_host: requests %" PRIu64 " (%" PRIu64 " reads, %" PRIu64 " writes, %" PRIu64
	       " errors), injections %" PRIu64 ", idle waits %" PRIu64 ", fast polls %" PRIu64 "\n",
	       hs.requests, hs.reads, hs.writes, hs.errors, hs.injections, hs.idle_waits,
	       hs.fast_polls);
	printf("# doorbell: %s, %" PRIu64 " bytes from the stub, %" PRIu64 " to it\n",
	       t->tune.doorbell_path ? "pci-serial" : "off (tick + host polling)", hs.db_rx,
	       hs.db_tx);
	printf("# interrupt latency (raised -> handler's InterruptStatus read): %" PRIu64
	       " samples, p50 %" PRIu64 " us, p90 %" PRIu64 " us, max %" PRIu64 " us\n",
	       hs.lat_samples, hs.lat_p50_us, hs.lat_p90_us, hs.lat_max_us);
	printf("#   stages (p50): to the stub's list register %" PRIu64
	       " us, guest to its trap %" PRIu64 " us, trap seen by the host %" PRIu64 " us\n",
	       hs.lat_stub_p50_us, hs.lat_guest_p50_us, hs.lat_host_p50_us);
	printf("# stub: state %" PRIu64 ", traps %" PRIu64 ", wfi %" PRIu64 ", ticks %" PRIu64
	       ", injected %" PRIu64 ", phys irqs %" PRIu64 ", lr full %" PRIu64 ", smc %" PRIu64
	       ", resp timeouts %" PRIu64 "\n",
	       hs.stub_state, hs.stub_traps, hs.stub_wfi, hs.stub_ticks, hs.stub_inject,
	       hs.stub_phys_irqs, hs.stub_lr_full, hs.stub_smc, hs.stub_resp_timeouts);
	printf("#   between an injection and the next trap: %" PRIu64 " gaps, %" PRIu64
	       " guest WFIs, %" PRIu64 " physical IRQs\n",
	       hs.stub_gaps, hs.stub_gap_wfi, hs.stub_gap_irq);
}

/* CPU seconds (user + system) of a process, from /proc/PID/stat. */
static double proc_cpu_s(int pid)
{
	char path[64], buf[2048], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p || !(p = strrchr(buf, ')')))
		return -1;
	/* fields after ')': state(3) ... utime(14) stime(15) */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static void measure_idle(struct trapped *t, unsigned int secs)
{
	int pid = qemu_fe_pid(t->q);
	double q0 = proc_cpu_s(pid), s0 = self_cpu_s(), w0 = ((double)clock_now_ns() / 1e9), w;

	nap_ms((int)secs * 1000);
	w = ((double)clock_now_ns() / 1e9) - w0;
	printf("# idle %.1f s: QEMU %.1f%% of a core, harness (fakebao + el2_host) %.1f%%\n", w,
	       100 * (proc_cpu_s(pid) - q0) / w, 100 * (self_cpu_s() - s0) / w);
}

int main(int argc, char **argv)
{
	struct trapped t = {.ram0_fd = -1, .win_fd = -1};
	const char *tmp = getenv("TMPDIR");
	int first = 1, verbose = 0, bad = 0, rc, nsteps;
	const char *const *steps;
	char why[512], db_path[240];

	log_set_component("qemu_trapped_try");
	if (argc > 1 && !strcmp(argv[1], "-v")) {
		verbose = 1;
		log_set_level(LOG_DEBUG);
		first++;
	}
	if (argc - first < 2) {
		fprintf(stderr,
			"usage: qemu_trapped_try [-v] IMAGE_DIR EL2_STUB [STEP...]\n"
			"  STEP: a guest step (must pass), '?STEP' (must fail), '=CMD' on the\n"
			"  host in the share (must exit 0); none: a default set.\n"
			"  env: QEMU_TRAPPED_WINDOW_MB, QEMU_TRAPPED_IDLE_S, QEMU_TRAPPED_KEEP,\n"
			"  EL2_TICK_ACTIVE_US, EL2_TICK_IDLE_US, EL2_ACTIVE_HOLD_US,\n"
			"  EL2_HOST_POLL_US, EL2_HOST_HOLD_MS, QEMU_TRAPPED_DOORBELL (1)\n");
		return 2;
	}
	t.win_size = (uint64_t)env_u32("QEMU_TRAPPED_WINDOW_MB", 256) << 20;
	t.tune = (struct el2_host_tuning){
	    env_u32("EL2_TICK_ACTIVE_US", 0), env_u32("EL2_TICK_IDLE_US", 0),
	    env_u32("EL2_ACTIVE_HOLD_US", 0), env_u32("EL2_HOST_POLL_US", 0),
	    env_u32("EL2_HOST_HOLD_MS", 0),   NULL};
	snprintf(t.run, sizeof(t.run), "%s/qemu-trapped-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(t.run)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(t.share, sizeof(t.share), "%s/share", t.run);
	snprintf(db_path, sizeof(db_path), "%s/doorbell.sock", t.run);
	if (env_u32("QEMU_TRAPPED_DOORBELL", 1))
		t.tune.doorbell_path = db_path;
	if (mkdir(t.share, 0755) < 0 || system(NULL) == 0) {
		perror("mkdir share");
		rmtree(t.run);
		return 1;
	}
	snprintf(why, sizeof(why), "printf 'from host' > '%s/h.txt'", t.share);
	if (system(why) != 0)
		bad++;
	rc = start_all(&t, argv[first], argv[first + 1], verbose);
	if (rc) {
		printf("not ok - bring-up: %s\n", strerror(-rc));
		if (t.host && el2_host_stub_health(t.host, why, sizeof(why)) < 0)
			printf("# %s\n", why);
		if (t.fb && t.host)
			print_stats(&t);
		stop_all(&t, 1);
		return 1;
	}
	steps = argc - first > 2 ? (const char *const *)argv + first + 2 : default_steps;
	for (nsteps = 0; steps[nsteps]; nsteps++)
		;
	{
		double c0 = proc_cpu_s(qemu_fe_pid(t.q)), w0 = ((double)clock_now_ns() / 1e9);

		for (int i = 0; i < nsteps; i++) {
			rc = run_step(&t, (unsigned int)i + 1, steps[i]);
			bad += rc != 0;
			if (rc < 0)
				break;
		}
		printf("# steps: %.2f s, QEMU %.0f%% of a core\n",
		       ((double)clock_now_ns() / 1e9) - w0,
		       100 * (proc_cpu_s(qemu_fe_pid(t.q)) - c0) /
			   (((double)clock_now_ns() / 1e9) - w0));
	}
	if (env_u32("QEMU_TRAPPED_IDLE_S", 0))
		measure_idle(&t, env_u32("QEMU_TRAPPED_IDLE_S", 0));
	print_stats(&t);
	if (getenv("QEMU_TRAPPED_LAT_CSV"))
		el2_host_dump_latency(t.host, getenv("QEMU_TRAPPED_LAT_CSV"));
	if (bad) {
		char tail[8192];

		qemu_fe_console_tail(t.q, tail, sizeof(tail));
		fprintf(stderr, "%s\n", tail);
	}
	stop_all(&t, env_u32("QEMU_TRAPPED_KEEP", 0) || bad);
	printf("# %d failed\n", bad);
	return bad ? 1 : 0;
}
