/* bench_world.c - bring up every path side by side: one emulated stack per wait policy (the
 * policy also sets fakebao's trap spin), the direct vhost-user path and a host directory, all
 * on the same filesystem, so each figure can be measured beside its baseline in one run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_direct.h"
#include "bench_fuse.h"
#include "bench_plan.h"
#include "log.h"
#include "rmtree.h"

static const enum fe_wait_policy bench_policy[BENCH_EMU_N] = {FE_WAIT_ADAPTIVE, FE_WAIT_BLOCK,
							      FE_WAIT_POLL};
static const char *const bench_emu_name[BENCH_EMU_N] = {"emulated", "emulated-block",
							"emulated-poll"};

static int bench_mkdir(const char *base, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", base, name);
	if (mkdir(out, 0755) < 0 && errno != EEXIST)
		return -errno;
	return chmod(out, 0755) < 0 ? -errno : 0;
}

static int bench_world_emu(struct bench_world *w, int i)
{
	struct stack_opts o = {
	    .step_timeout_ms = 10000, .wait = bench_policy[i], .verbose = w->cfg.verbose};
	int rc = stack_start(&w->st[i], &o);

	if (rc) {
		log_err("bench: emulated stack (%s) did not start: %d", bench_emu_name[i], rc);
		return rc < 0 && rc != STACK_ENV_MISSING ? rc : -ENODEV;
	}
	w->st_up[i] = 1;
	w->emu[i] = (struct bench_path){
	    .name = bench_emu_name[i], .fc = scripted_fe_client(w->st[i].fe), .fb = w->st[i].fb};
	/* Two members of *w: gcc cannot tell they never overlap, so copy by length. */
	{
		size_t n = strnlen(w->st[i].share, sizeof(w->emu[i].share) - 1);

		memcpy(w->emu[i].share, w->st[i].share, n);
		w->emu[i].share[n] = '\0';
	}
	return 0;
}

int bench_world_start(struct bench_world *w)
{
	const char *tmp = getenv("TMPDIR");
	int rc = 0, fuse = strstr(w->cfg.only, "fuse") || strstr(w->cfg.only, "seq");

	memset((char *)w + sizeof(w->cfg), 0, sizeof(*w) - sizeof(w->cfg));
	w->host.dir_fd = w->host.r_fd = w->host.w_fd = -1;
	snprintf(w->rundir, sizeof(w->rundir), "%s/bao-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(w->rundir)) {
		w->rundir[0] = '\0';
		return -errno;
	}
	fprintf(stderr,
		"bao-bench: starting 3 emulated stacks, the direct path and the host dir\n");
	for (int i = 0; !rc && i < BENCH_EMU_N; i++)
		rc = bench_world_emu(w, i);
	w->dir.name = "direct";
	w->host.name = "host";
	rc = rc ? rc : bench_mkdir(w->rundir, "direct-share", w->dir.share, sizeof(w->dir.share));
	rc = rc ? rc : bench_mkdir(w->rundir, "host", w->host.share, sizeof(w->host.share));
	rc = rc ? rc : bench_direct_start(&w->direct, w->dir.share, w->rundir, FE_WAIT_ADAPTIVE);
	if (rc)
		return rc;
	w->dir.d = w->direct;
	w->dir.fc = bench_direct_client(w->direct);
	if (fuse) {
		rc = bench_fuse_prepare(&w->emu[BENCH_EMU_ADAPTIVE]);
		rc = rc ? rc : bench_fuse_prepare(&w->dir);
		rc = rc ? rc : bench_fuse_prepare(&w->host);
		if (rc)
			log_err("bench: preparing the 4 KiB test files failed: %s", strerror(-rc));
	}
	return rc;
}

void bench_world_stop(struct bench_world *w)
{
	if (w->emu[BENCH_EMU_ADAPTIVE].fc)
		bench_fuse_finish(&w->emu[BENCH_EMU_ADAPTIVE]);
	if (w->dir.fc)
		bench_fuse_finish(&w->dir);
	bench_fuse_finish(&w->host);
	bench_direct_stop(w->direct);
	w->direct = NULL;
	for (int i = 0; i < BENCH_EMU_N; i++)
		if (w->st_up[i]) {
			stack_stop(&w->st[i]);
			w->st_up[i] = 0;
		}
	if (w->rundir[0]) {
		rmtree(w->rundir);
		w->rundir[0] = '\0';
	}
}
