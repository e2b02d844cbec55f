/* stack.h - one emulated Bao virtio-fs stack for one scenario file: a share and a run
 * directory, real virtiofsd, fakebao, the device model as its own process (Bao's UAPI through
 * bao_preload), and a frontend (stack_frontend.h) - all in one process group. The one module
 * that starts and stops these; every command (run, demo, boot, soak, fuzz, bench) uses it. No
 * globals: several stacks can live in one process. */
#ifndef HARNESS_STACK_H
#define HARNESS_STACK_H

#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "fakebao.h"
#include "vq_audit.h"
#include "host_steps.h"
#include "guest_bus.h"
#include "qemu_fe.h"
#include "scripted_fe.h"
#include "stack_frontend.h"
#include "stack_trace.h"

#define STACK_MMIO_BASE 0xa003e00ULL
#define STACK_MMIO_SIZE 0x200ULL

/* stack_start's result when the machine lacks something (exit status 3). */
#define STACK_ENV_MISSING (-10000)

struct stack_backend;

/* A backend's command line as its kind builds it: argv points into buf. */
struct stack_backend_argv {
	char *argv[16];
	size_t argc;
	char buf[3 * PATH_MAX + 256];
	size_t used;
	int overflow; /* an argument did not fit: the command line is not to be run */
};

/* One kind of virtiofsd (a row of stack_backend.c's table; a new kind is one row): the name
 * --virtiofsd and --stats use, where it lives, how its `--version` line names it and the
 * command line it wants. */
struct stack_backend_kind {
	const char *name;    /* "c", "rust" */
	const char *version; /* its `--version` line as the error message shows it */
	/* Its executable when --virtiofsd names the kind: 0, or STACK_ENV_MISSING (logged). */
	int (*locate)(char *buf, size_t len);
	const char *fix; /* what to do when that is not executable */
	/* Nonzero when a `--version` line is this kind's. */
	int (*match)(const char *version);
	/* The command line serving share on the vhost-user socket sock (argv[0] is b->path). */
	void (*argv)(const struct stack_backend *b, const char *share, const char *sock,
		     struct stack_backend_argv *a);
};

/* The backend a stack runs: its executable, its kind (flags) and what `--version` said. */
struct stack_backend {
	char path[PATH_MAX];
	const struct stack_backend_kind *kind;
	char version[96];
};

/* The device model a stack runs (stack_devmodel.c): the program and how it reaches fakebao - on
 * a host, Bao's UAPI through the preload library. Resolved at each start; the place another
 * device model (a path; a static program under a supervisor instead of LD_PRELOAD) lands. */
struct stack_devmodel {
	char path[PATH_MAX];
	char preload[PATH_MAX];
	/* A statically linked program (no PT_INTERP: LD_PRELOAD cannot reach it) runs under
	 * bao-dm-supervise, which serves Bao's UAPI by seccomp user notification. */
	int is_static;
	char supervisor[PATH_MAX];
	int ours; /* our bao-virtio-dm (it takes --connect-timeout and -v) */
};

struct stack_opts {
	const struct stack_frontend_ops *frontend; /* stack_frontend_find(name); NULL: scripted */
	const char *virtiofsd; /* --virtiofsd c|rust|PATH; NULL: BAOHARNESS_VIRTIOFSD, else c */
	/* The user's own parts (README "Testing your own ..."): virtiofsd's command line with
	 * {socket}/{share}; the config-fs.yaml; the device model and its extra arguments. NULL:
	 * the kind's flags, a generated config, our bao-virtio-dm. */
	const char *virtiofsd_args;
	const char *config;
	const char *devmodel;
	const char *devmodel_args;
	const char *share; /* NULL: a fresh temporary directory */
	int keep;	   /* keep the run directory (and a temporary share) */
	int verbose;
	int step_timeout_ms;
	enum fe_wait_policy wait;
	int shell; /* QEMU frontends: boot to an interactive shell, no agent (`baoharness boot`) */
	int pin;   /* --cpus given: this process and every one the stack starts run on cpus */
	cpu_set_t cpus;
	/* QEMU frontends: which guest. guest "debian" is Debian's packaged kernel and modules
	 * (whole-RAM window); NULL or "own" the harness's kernel. dtb/dts (qemu only): the user's
	 * device tree instead of the demo's; kernel/initrd: the user's files; vcpus 0: default. */
	const char *guest;
	const char *dtb, *dts;
	const char *kernel, *initrd;
	int vcpus;
	/* `fuzz guest` only: "SEED:RATE" makes the device model a hostile backend (mutated
	 * replies, log and control file in the run directory); NULL: never. */
	const char *mutate_replies;
	/* `run --record`: every trapped access, kick, used element and interrupt of the stack's
	 * frontend into trace (stack_trace.h); NULL: off. */
	stack_trace_fn trace;
	void *trace_arg;
	/* `replay`: fakebao, the device model and virtiofsd with no frontend at all, the window
	 * at bare_gpa (bare_size bytes) as the trace recorded it; the replay drives the traps. */
	int bare;
	uint64_t bare_gpa, bare_size;
};

struct stack {
	struct stack_opts opts;
	const struct stack_frontend_ops *fe_ops; /* = opts.frontend */
	char rundir[256];
	char share[PATH_MAX];
	char vfsd_log[PATH_MAX + 32];
	int own_share;
	int keep;
	pid_t pgid;			/* the stack's process group: every process it starts */
	struct stack_backend backend;	/* the virtiofsd this stack runs (resolved once) */
	struct stack_devmodel devmodel; /* the device model it runs (trapped frontends) */
	struct host_steps host;		/* host steps' worker (the group's leader) */
	int hard_stop;			/* stop by killing the group first (wedged, timed out) */
	pid_t vfsd_pid;
	pid_t dm_pid;
	pid_t shim_pid; /* qemu-native under `fuzz guest`: the vhost-user shim (stack_shim.c) */
	struct fakebao *fb;
	struct guest_bus bus;
	struct scripted_fe *fe;
	struct qemu_fe *qfe;		  /* QEMU frontends */
	struct stack_fe_trapped *trapped; /* `qemu`: stub memory, mailbox and its server */
	struct stack_dmlog *dmlog;	  /* the device model's stderr (stack_dmlog.c) */
	struct vq_audit *audit;		  /* descriptors outside the window (vq_audit.h) */
	struct stack_trace *trace;	  /* `run --record`'s recorder (stack_trace.h) */
	char guest_desc[160];		  /* QEMU frontends: kernel and device tree, for --stats */
	/* Why stack_start failed, when the frontend can say more than an errno. */
	char start_why[512];
	int vcpus;	  /* the frontend's vCPUs (0: one); fakebao serves as many */
	int64_t start_ns; /* how long stack_start took to the share mounted (`run --stats`) */
	/* fault injection and start order (stack_fault.c) */
	int dm_delay_ms;	  /* BAOHARNESS_DM_DELAY_MS: device model started this late */
	int vfsd_delay_ms;	  /* BAOHARNESS_VFSD_DELAY_MS: virtiofsd after the device model */
	unsigned int vfsd_starts; /* virtiofsd processes started (restarts = starts - 1) */
	unsigned int dm_starts;	  /* device model processes started */
	int64_t fault_at_ns;	  /* CLOCK_MONOTONIC of the last kill, until a step follows */
	const char *fault_name;	  /* that kill's step name */
	char fault_info[512];	  /* what the last fault step did, for the runner's log */
	size_t fault_info_len;
};

/* Bring the whole stack up and mount (FUSE_INIT). On failure everything started is stopped
 * and a message naming what failed is logged. Returns 0, STACK_ENV_MISSING or -errno. */
int stack_start(struct stack *s, const struct stack_opts *o);
/* Unmount, stop every process (bounded: the whole process group is SIGKILLed and reaped at the
 * end, at once when something is stopped or wedged), remove the run directory unless kept.
 * Idempotent. Returns 0, or -errno when a process or the run directory could not be removed
 * (named on stderr). */
int stack_stop(struct stack *s);
/* Run one host step in the stack's worker, bounded by timeout_ms. 0 pass; nonzero fail. */
int stack_host_step(struct stack *s, const struct scn_step *st, int timeout_ms, char *why,
		    size_t len);
/* After a failure: describe dead or stopped processes ("virtiofsd exited with status 1;
 * virtiofsd (pid 12) is stopped") or "". */
void stack_health(struct stack *s, char *buf, size_t len);
/* Cheap, for a loop that checks after every request: 1 while virtiofsd and the device model
 * have not exited (nothing reaped: stack_health then says how they ended). */
int stack_members_alive(const struct stack *s);
/* stack_backend.c: which virtiofsd. spec "c" (/usr/lib/qemu/virtiofsd), "rust" (fetched by
 * make backends), a path, or NULL (BAOHARNESS_VIRTIOFSD, else "c"); its kind is told from its
 * `--version` and decides its flags. 0, or STACK_ENV_MISSING with a message naming the fix. */
int stack_backend_resolve(const char *spec, struct stack_backend *b);
const char *stack_backend_kind_name(const struct stack_backend *b);
/* The first line `path --version` prints (bounded: 5 s) into buf: 0 or -errno (-ENOEXEC: it
 * printed nothing). Any program: `baoharness doctor` asks QEMU too. */
int stack_backend_version(const char *path, char *buf, size_t len);
/* stack_fe_trapped.c: the EL2 stub (BAOHARNESS_EL2_STUB, else el2/bao-el2.elf beside this
 * program or one folder up): 0, or STACK_ENV_MISSING with a message naming make el2-stub. */
int stack_fe_trapped_stub_path(char *buf, size_t len);
/* A virtiofsd b (NULL: the default) serving share on sock, stderr into log (appended when
 * append), in process group pgid (-1: ours); waits (5 s) for its socket. Returns its pid,
 * STACK_ENV_MISSING or -errno. For the paths that have no stack (the direct baseline). */
pid_t stack_backend_spawn(const struct stack_backend *b, const char *share, const char *sock,
			  const char *log, int append, pid_t pgid);
/* The same with a command line of the caller's (argv[0] the program; version for messages,
 * may be NULL): the seed demo's exact flags in the device model's tests. */
pid_t stack_backend_spawn_argv(char *const argv[], const char *version, const char *sock,
			       const char *log, int append, pid_t pgid);
/* Print the last lines of virtiofsd's log to stderr. */
void stack_backend_print_log(const struct stack *s, int lines);

/* stack_backend_args.c: what --virtiofsd-args changed (notice) or why it cannot run (why). */
struct stack_backend_args_report {
	char notice[512];
	char why[200];
};
/* The user's virtiofsd line for backend b serving share on sock into a (argv[0] = b->path):
 * words split as a shell would, {socket}/{share} replaced, a leading `nohup virtiofsd` and
 * trailing redirections dropped and a literal socket path / shared directory relocated (each
 * said in rep->notice). 0, or -EINVAL with rep->why. */
int stack_backend_args_build(const char *line, const struct stack_backend *b, const char *share,
			     const char *sock, struct stack_backend_argv *a,
			     struct stack_backend_args_report *rep);
struct scn_step;
/* Run one frontend step (scenario line text) on whichever frontend the stack has, with a
 * deadline of timeout_ms. 0 pass; nonzero fail with why. */
struct scn_step;
int stack_frontend_step(struct stack *s, const struct scn_step *st, int timeout_ms, char *why,
			size_t len);
/* `remount` on the stack's frontend. 0 or nonzero with why. */
int stack_frontend_remount(struct stack *s, int timeout_ms, char *why, size_t len);
/* One fault step (kill-backend ... irq-delay) through the frontend's fault hook; a frontend
 * without one fails it ("not supported by this frontend"). 0 pass; nonzero with why. */
int stack_frontend_fault(struct stack *s, const struct scn_step *st, char *why, size_t len);
/* The frontend's own `--stats` lines, if it has any. */
void stack_frontend_stats(struct stack *s, FILE *out);
/* Path of the program next to this executable (bao-virtio-dm, libfakebao-preload.so). */
int stack_rundir_sibling(const char *name, char *buf, size_t len);

/* Fault injection on a scripted-frontend stack (stack_fault.c). Each returns 0, or nonzero
 * with a one-line reason in why. The frontend (this process) is never restarted. */
/* SIGKILL virtiofsd (and its sandbox child), reap it; the device model notices the hang-up. */
int stack_fault_kill_backend(struct stack *s, char *why, size_t len);
/* A fresh virtiofsd on the same socket, then the frontend resets and re-initialises the
 * device (the device model reconnects on that reset). */
int stack_fault_restart_backend(struct stack *s, char *why, size_t len);
/* SIGKILL the device model and reap it; virtiofsd then exits with its one connection. */
int stack_fault_kill_devmodel(struct stack *s, char *why, size_t len);
/* Reap the old virtiofsd, start a fresh one and a fresh device model, wait for it to
 * attach, then the frontend resets and re-initialises the device. */
int stack_fault_restart_devmodel(struct stack *s, char *why, size_t len);
/* n requests in flight, Status 0, re-initialise; each request must end exactly once. */
int stack_fault_reset_device(struct stack *s, unsigned int n, char *why, size_t len);
/* The frontend's interrupt faults (fakebao_fault_set_irq); negative keeps a setting. */
int stack_fault_irq(struct stack *s, int drop_n, int delay_ms, char *why, size_t len);
/* Process id, open fd count and RSS (KiB) of a stack process; -1 fields when gone. */
struct stack_fault_proc_usage {
	pid_t pid;
	int fds;
	long rss_kb;
};
void stack_fault_proc_usage(pid_t pid, struct stack_fault_proc_usage *u);
/* The worker of a virtiofsd started in its namespace sandbox (its only child), or pid. */
pid_t stack_fault_vfsd_worker(pid_t pid);

#endif
