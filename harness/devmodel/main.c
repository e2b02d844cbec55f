/* main.c - bao-virtio-dm: a virtio-fs device model for Bao's remote I/O. Reads config-fs.yaml,
 * attaches to /dev/bao-io-dispatcher, connects to virtiofsd, then serves trapped virtio-mmio
 * accesses until a signal or the hypervisor goes away. Serves the first device of the config. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bao_dm.h"
#include "dm_config.h"
#include "dm_dispatch.h"
#include "dm_watch.h"
#include "log.h"
#include "mut_relay.h"
#include "vhost_user.h"
#include "virtio_fs.h"
#include "virtio_mmio.h"

#define EXIT_OK 0
#define EXIT_ERR 1
#define EXIT_USAGE 2
#define STOP_GRACE_S 3

static volatile sig_atomic_t main_stop;
static volatile int main_vu_fd = -1; /* closed by the last-resort SIGALRM path */

struct main_ctx {
	pthread_mutex_t lock; /* guards mmio: dispatch loop vs hang-up watcher */
	struct bao_dm dm;
	struct vhost_user vu;
	struct virtio_fs fs;
	struct virtio_fs_params fp;
	struct virtio_mmio mmio;
	struct dm_watch watch;
	char sock[DM_CONFIG_PATH_MAX];
	int connect_ms;	   /* --connect-timeout: first connection to virtiofsd */
	bool backend_lost; /* the watcher saw virtiofsd hang up (under lock) */
	/* --mutate-replies (the guest fuzzer only): replies mutated before the interrupt */
	const char *mutate, *mutate_dir;
	struct mut_relay relay;
	bool relay_on;
};

static void main_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: bao-virtio-dm --config FILE [--connect-timeout MS] [-v|-vv]\n"
	    "                     [--mutate-replies SEED:RATE --mutate-dir DIR]\n"
	    "  virtio-fs device model for Bao's remote I/O (vhost-user to virtiofsd)\n"
	    "  --connect-timeout MS  wait this long for virtiofsd's socket (default %d)\n"
	    "  --mutate-replies      hostile backend for guest fuzzing: one reply in RATE is\n"
	    "                        mutated before the guest sees it (log and control in DIR)\n",
	    VHOST_USER_CONNECT_MS);
}

/* The ATTACH ioctl is interrupted (no SA_RESTART) and the loop ends; if it is not within a few
 * seconds, SIGALRM closes the vhost-user socket (so virtiofsd exits) and leaves at once. */
static void main_on_signal(int sig)
{
	(void)sig;
	main_stop = 1;
	alarm(STOP_GRACE_S);
}

static void main_on_alarm(int sig)
{
	(void)sig;
	if (main_vu_fd >= 0)
		close(main_vu_fd);
	_exit(EXIT_OK);
}

static void main_signals(void)
{
	struct sigaction sa = {0};

	sigemptyset(&sa.sa_mask);
	sa.sa_handler = main_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = main_on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static int main_args(int argc, char **argv, const char **config, struct main_ctx *mc)
{
	int *connect_ms = &mc->connect_ms;
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"mutate-replies", required_argument, NULL, 'm'},
	    {"mutate-dir", required_argument, NULL, 'd'},
	    {"connect-timeout", required_argument, NULL, 't'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, verbose = 0;

	*config = NULL;
	while ((c = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		char *end;
		long ms;

		switch (c) {
		case 'c':
			*config = optarg;
			break;
		case 't':
			ms = strtol(optarg, &end, 10);
			if (*end || ms < 1 || ms > 3600000) {
				fprintf(
				    stderr,
				    "bao-virtio-dm: --connect-timeout '%s': want 1..3600000 ms\n",
				    optarg);
				return -1;
			}
			*connect_ms = (int)ms;
			break;
		case 'm':
			mc->mutate = optarg;
			break;
		case 'd':
			mc->mutate_dir = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			main_usage(stdout);
			return 1;
		default:
			main_usage(stderr);
			return -1;
		}
	}
	if (optind < argc || !*config) {
		fprintf(stderr, "bao-virtio-dm: %s\n",
			optind < argc ? "unexpected argument" : "--config FILE is required");
		main_usage(stderr);
		return -1;
	}
	if (!mc->mutate != !mc->mutate_dir) {
		fprintf(stderr,
			"bao-virtio-dm: --mutate-replies and --mutate-dir go together "
			"(got only %s)\n",
			mc->mutate ? "--mutate-replies" : "--mutate-dir");
		return -1;
	}
	if (verbose)
		log_set_level(verbose > 1 ? LOG_DEBUG : LOG_INFO);
	return 0;
}

/* --mutate-replies SEED:RATE: the relay between virtiofsd's call and the irqfd. */
static int main_mutation(struct main_ctx *c)
{
	uint64_t seed;
	uint32_t rate;
	int rc;

	if (!c->mutate)
		return 0;
	if (mut_relay_parse(c->mutate, &seed, &rate)) {
		log_err("--mutate-replies '%s': want SEED:RATE (RATE 1..1000000)", c->mutate);
		return -EINVAL;
	}
	rc = mut_relay_init(&c->relay, seed, rate, c->mutate_dir);
	if (!rc)
		c->relay_on = true;
	return rc;
}

static void main_on_hangup(void *arg)
{
	struct main_ctx *c = arg;

	log_err("virtiofsd disconnected");
	pthread_mutex_lock(&c->lock);
	c->backend_lost = true;
	c->fs.backend_gone = true;
	virtio_mmio_backend_lost(&c->mmio, "virtiofsd disconnected");
	pthread_mutex_unlock(&c->lock);
}

/* The watcher thread must not take SIGTERM/SIGINT: they are meant to interrupt ATTACH. */
static int main_start_watch(struct main_ctx *c)
{
	sigset_t block, old;
	int rc;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = dm_watch_start(&c->watch, c->vu.fd, main_on_hangup, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* virtiofsd came back (a new one on the same socket) after the driver reset the device:
 * connect again (bounded), handshake, rebuild the device. Called with c->lock held, between
 * a Status-0 write and its completion, so the driver's reset waits for it (virtio 1.2
 * §2.1.2: the device is usable again once reset). On failure the device stays broken and the
 * next reset tries again. */
static void main_reconnect(struct main_ctx *c)
{
	uint8_t old_config[VIRTIO_FS_CONFIG_SIZE];
	int rc;

	log_info("virtio-fs: device reset after the backend was lost: reconnecting to %s", c->sock);
	/* The watcher takes c->lock in its hang-up callback: never join it while holding it. */
	pthread_mutex_unlock(&c->lock);
	dm_watch_stop(&c->watch);
	pthread_mutex_lock(&c->lock);
	main_vu_fd = -1;
	vhost_user_close(&c->vu);
	rc = vhost_user_connect(&c->vu, c->sock, VHOST_USER_RECONNECT_MS);
	if (!rc) {
		main_vu_fd = c->vu.fd;
		rc = vhost_user_handshake(&c->vu);
	}
	memcpy(old_config, c->fs.config, sizeof(old_config));
	rc = rc ? rc : virtio_fs_init(&c->fs, &c->vu, &c->fp);
	c->fs.relay = c->relay_on ? &c->relay : NULL;
	/* The transport's queue count is fixed: a backend that came back with another config
	 * space (a different --tag or queue count) cannot serve this device. */
	if (!rc && virtio_fs_num_queues(&c->fs) != c->mmio.p.nqueues) {
		log_err("virtio-fs: virtiofsd came back with %u request queue(s); the device has "
			"%u",
			virtio_fs_num_queues(&c->fs) - 1, c->mmio.p.nqueues - 1);
		rc = -EPROTO;
	}
	rc = rc ? rc : main_start_watch(c);
	if (rc) {
		virtio_mmio_backend_lost(&c->mmio, "virtiofsd not back after a reset");
		return;
	}
	if (memcmp(old_config, c->fs.config, sizeof(old_config))) {
		/* virtio 1.2 §4.2.2: ConfigGeneration changes whenever the config space does. */
		log_warn("virtio-fs: virtiofsd came back with tag '%s': config space changed",
			 c->fs.cfg.tag);
		c->mmio.config_generation++;
	}
	c->backend_lost = false;
	/* Forget a hang-up the old watcher may have reported while the lock was released. */
	virtio_mmio_write_status(&c->mmio, 0);
	log_info("virtio-fs: reconnected to virtiofsd; the device is usable again");
}

static int main_setup(struct main_ctx *c, const struct dm_device_config *d)
{
	struct virtio_fs_params fp = {
	    .tag = d->tag,
	    .num_request_queues = d->num_request_queues,
	};
	struct virtio_mmio_params mp = {.base = d->mmio_addr, .queue_num_max = d->queue_size};
	int rc;

	rc = bao_dm_open(&c->dm, d->id);
	if (rc)
		return rc;
	dm_config_socket(d, c->sock, sizeof(c->sock));
	rc = vhost_user_connect(&c->vu, c->sock, c->connect_ms);
	if (rc)
		return rc;
	main_vu_fd = c->vu.fd;
	rc = vhost_user_handshake(&c->vu);
	if (rc)
		return rc;
	fp.shmem_addr = mp.shmem_addr = c->dm.info.shmem_addr;
	fp.shmem_size = mp.shmem_size = c->dm.info.shmem_size;
	fp.shmem_host = mp.shmem_host = (uint64_t)(uintptr_t)c->dm.shmem;
	fp.shmem_fd = c->dm.info.fd;
	c->fp = fp;
	rc = virtio_fs_init(&c->fs, &c->vu, &c->fp);
	if (rc)
		return rc;
	c->fs.relay = c->relay_on ? &c->relay : NULL;
	/* hiprio + the request queues of the config space the driver will read. */
	mp.nqueues = virtio_fs_num_queues(&c->fs);
	rc = virtio_mmio_init(&c->mmio, &mp, &virtio_fs_ops, &c->fs, &bao_dm_platform, &c->dm);
	if (rc)
		return rc;
	log_info("device %u: virtio-fs tag '%s' (%s) at 0x%llx, %u queue(s) of up to %u, "
		 "backend %s",
		 d->id, c->fs.cfg.tag, c->fs.config_from_backend ? "virtiofsd's" : "config-fs.yaml",
		 (unsigned long long)d->mmio_addr, mp.nqueues, d->queue_size, c->sock);
	return main_start_watch(c);
}

/* An ioctl error ends the loop: ENODEV is the hypervisor side going away (an orderly end). */
static int main_ioctl_end(const char *what, int rc)
{
	if (rc == -ENODEV) {
		log_info("%s: hypervisor side gone (ENODEV), exiting", what);
		return EXIT_OK;
	}
	log_err("%s failed: %s, exiting", what, strerror(-rc));
	return EXIT_ERR;
}

static int main_loop(struct main_ctx *c)
{
	struct bao_virtio_request req;
	int rc;

	while (!main_stop) {
		rc = bao_dm_attach(&c->dm, &req);
		if (rc == -EINTR)
			continue;
		if (rc)
			return main_ioctl_end("BAO_IOCTL_IO_CLIENT_ATTACH", rc);
		pthread_mutex_lock(&c->lock);
		dm_dispatch_request(&c->mmio, &req);
		if (c->mmio.status == 0 && (c->backend_lost || c->vu.fd < 0))
			main_reconnect(c);
		pthread_mutex_unlock(&c->lock);
		do
			rc = bao_dm_complete(&c->dm, &req);
		while (rc == -EINTR);
		if (rc == -EINVAL) {
			/* The vCPU withdrew the access after its timeout (we were slow, e.g. in a
			 * reconnect): this answer is stale, the device is fine. Go on serving. */
			log_warn("completion of request 0x%llx (addr 0x%llx) rejected as stale: "
				 "carrying on",
				 (unsigned long long)req.request_id, (unsigned long long)req.addr);
			continue;
		}
		if (rc)
			return main_ioctl_end("BAO_IOCTL_IO_REQUEST_COMPLETE", rc);
	}
	log_info("signal received, exiting");
	return EXIT_OK;
}

static void main_teardown(struct main_ctx *c)
{
	dm_watch_stop(&c->watch);
	/* The relay thread writes the irq eventfd: it ends before the transport closes that. */
	if (c->relay_on)
		mut_relay_destroy(&c->relay);
	virtio_mmio_destroy(&c->mmio);
	main_vu_fd = -1;
	vhost_user_close(&c->vu);
	bao_dm_close(&c->dm);
}

int main(int argc, char **argv)
{
	static struct main_ctx ctx = {.lock = PTHREAD_MUTEX_INITIALIZER,
				      .vu = {.fd = -1},
				      .connect_ms = VHOST_USER_CONNECT_MS};
	struct dm_config_error err;
	static struct dm_config cfg;
	const char *config;
	int rc;

	log_set_component("bao-virtio-dm");
	ctx.dm.dispatcher_fd = -1;
	ctx.dm.info.fd = -1;
	ctx.mmio.irq_fd = -1;
	rc = main_args(argc, argv, &config, &ctx);
	if (rc)
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	if (main_mutation(&ctx))
		return EXIT_USAGE;
	rc = dm_config_load(config, &cfg, &err);
	if (rc) {
		log_err("%s", err.msg);
		return EXIT_USAGE;
	}
	for (unsigned i = 0; i < cfg.nwarnings; i++)
		log_warn("%s: %s", config, cfg.warnings[i].msg);
	if (cfg.warnings_dropped)
		log_warn("%s: %u more warning(s) not shown", config, cfg.warnings_dropped);
	if (cfg.ndevices > 1)
		log_warn("config %s: %u devices; serving only the first (id %u)", config,
			 cfg.ndevices, cfg.dev[0].id);
	main_signals();
	rc = main_setup(&ctx, &cfg.dev[0]);
	rc = rc ? EXIT_ERR : main_loop(&ctx);
	main_teardown(&ctx);
	return rc;
}
