/* stack_priv.h - stack.c's pieces that stack_fault.c reuses to kill and restart processes of a
 * running stack. Not for other components. */
#ifndef HARNESS_STACK_PRIV_H
#define HARNESS_STACK_PRIV_H

#include "stack.h"

/* virtiofsd on s->share at RUN/Fs0.sock (a stale socket file is removed first); 0 or -errno. */
int stack_start_virtiofsd(struct stack *s);
/* bao-virtio-dm with the preload library; s->dm_delay_ms > 0 starts it that late. */
int stack_start_devmodel(struct stack *s, const struct stack_opts *o);
/* Bounded wait (10 s) for the device model to connect to fakebao. */
int stack_wait_devmodel(struct stack *s);

/* fakebao with its window at addr (size bytes), adopting window_fd (-1: a fresh memfd),
 * trapping the device's registers for device model 0. */
int stack_start_fakebao_window(struct stack *s, const struct stack_opts *o, uint64_t addr,
			       uint64_t size, int window_fd);
/* Where the QEMU guest image is (build/qemu); STACK_ENV_MISSING with a message if absent. */
int stack_qemu_image_dir(char *buf, size_t len);

/* stack_trapped.c: the `qemu` frontend (EL2 stub + mailbox + fakebao + device model). */
int stack_start_qemu_trapped(struct stack *s, const struct stack_opts *o);
void stack_stop_qemu_trapped(struct stack *s); /* no-op for other frontends */
void stack_trapped_health(struct stack *s, char *buf, size_t len);

/* stack_fault.c */
/* A positive integer from the environment, else def. */
int stack_env_ms(const char *name, int def);
void stack_sleep_ms(int ms);
/* delay_ms > 0: spawn argv through /bin/sh after sleeping that long (pid or -errno);
 * 0: returns 0 and spawns nothing. */
pid_t stack_fault_spawn_delayed(char *const argv[], char *const env[], int delay_ms, pid_t pgid);

#endif
