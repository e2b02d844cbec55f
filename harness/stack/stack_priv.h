/* stack_priv.h - stack.c's pieces that stack_fault.c reuses to kill and restart processes of a
 * running stack. Not for other components. */
#ifndef HARNESS_STACK_PRIV_H
#define HARNESS_STACK_PRIV_H

#include "stack.h"

/* virtiofsd on s->share at RUN/Fs0.sock (a stale socket file is removed first); 0 or -errno. */
int stack_backend_start(struct stack *s);
/* bao-virtio-dm with the preload library; s->dm_delay_ms > 0 starts it that late. */
int stack_devmodel_start(struct stack *s, const struct stack_opts *o);
/* Bounded wait (10 s) for the device model to connect to fakebao. */
int stack_devmodel_wait(struct stack *s);

/* fakebao with its window at addr (size bytes), adopting window_fd (-1: a fresh memfd),
 * trapping the device's registers for device model 0. */
int stack_fakebao_start(struct stack *s, const struct stack_opts *o, uint64_t addr, uint64_t size,
			int window_fd);
/* fakebao and the audit gone (idempotent). */
void stack_fakebao_stop(struct stack *s);
/* stack_backend_args.c: line split into words as a shell would (quotes, backslashes) into
 * buf, words[] NULL-terminated (at most max - 1 words): 0, or -EINVAL with why. */
int stack_backend_args_split(const char *line, char *buf, size_t len, char **words, size_t max,
			     size_t *nwords, char *why, size_t whylen);
/* stack_rundir.c: the run directory and the share (a fresh one or --share). */
int stack_rundir_make(struct stack *s, const struct stack_opts *o);
/* Where the QEMU guest image is (build/qemu); STACK_ENV_MISSING with a message if absent. */
int stack_rundir_image_dir(char *buf, size_t len);
/* The folder of a guest: NULL/"own" the harness's kernel (build/qemu), "debian" Debian's
 * (build/qemu/debian). 0, STACK_ENV_MISSING or -EINVAL, with a message. */
int stack_rundir_guest_dir(const char *guest, char *buf, size_t len);

/* stack_dmlog.c: the device model's stderr through a pipe whose write end this returns (or
 * -errno; pass it to the spawn, then close it), forwarded to ours; stop it once the device
 * model is gone (bounded). stack_dmlog_broken: 1 with "device model: device broken, needs
 * reset: WHY" in buf once the device model reported its device broken, else 0. */
int stack_dmlog_start(struct stack *s);
void stack_dmlog_stop(struct stack *s);
int stack_dmlog_broken(struct stack *s, char *buf, size_t len);

/* stack_fakebao.c: s->bus, the guest bus of a frontend in this process, over s->fb. */
void stack_fakebao_bus(struct stack *s);
/* stack_fault.c: append to what the last fault step did (s->fault_info), for the runner. */
void stack_fault_info(struct stack *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* stack_fe_trapped_fault.c: the fault steps on the trapped QEMU guest. */
int stack_fe_trapped_fault(struct stack *s, const struct scn_step *st, char *why, size_t len);
/* stack_fe_native.c: steps, remount and stop through the guest agent (both QEMU frontends). */
int stack_fe_native_step(struct stack *s, const struct scn_step *st, int timeout_ms, char *why,
			 size_t len);
int stack_fe_native_remount(struct stack *s, int timeout_ms, char *why, size_t len);
void stack_fe_native_stop(struct stack *s);
/* stack_shim.c: the vhost-user shim for `fuzz guest` on qemu-native, started with
 * o->mutate_replies in front of RUN/Fs0.sock; its socket (for QEMU) into sock. 0 once it
 * listens (bounded), STACK_ENV_MISSING or -errno with a message. stack_shim_health: what
 * killed it, "" while it runs or after a clean end (a side hung up). */
int stack_shim_start(struct stack *s, const struct stack_opts *o, char *sock, size_t len);
void stack_shim_health(struct stack *s, char *buf, size_t len);

/* stack_fault.c */
/* The scripted frontend's fault hook (stack_frontend_ops.fault): one fault step (kill-backend
 * ... irq-delay MS) onto the functions below. 0 pass; -1 with why. */
int stack_fault_step(struct stack *s, const struct scn_step *st, char *why, size_t len);
/* A positive integer from the environment, else def. */
int stack_fault_env_ms(const char *name, int def);
/* delay_ms > 0: spawn argv through /bin/sh after sleeping that long (pid or -errno);
 * 0: returns 0 and spawns nothing. */
pid_t stack_fault_spawn_delayed(char *const argv[], char *const env[], int delay_ms, pid_t pgid);

#endif
