/* stack_frontend.h - what a frontend is to the stack: one ops table per frontend (scripted C
 * frontend, trapped QEMU guest, QEMU's own device), chosen by name. Adding a frontend is one
 * file implementing these and one row in stack_frontend.c's table. */
#ifndef HARNESS_STACK_FRONTEND_H
#define HARNESS_STACK_FRONTEND_H

#include <stddef.h>

struct stack;
struct stack_opts;
struct scn_step;

struct stack_frontend_ops {
	const char *name;	 /* as --frontend spells it */
	const char *const *caps; /* capabilities it provides to `require` (NULL-terminated) */
	int traps;		 /* its device accesses are trapped by fakebao (a run without
				  * any trapped access is then a failure, not a pass) */
	int start_order_env;	 /* honours BAOHARNESS_DM_DELAY_MS / BAOHARNESS_VFSD_DELAY_MS */
	int shell;		 /* can boot to an interactive shell (`baoharness boot`) */
	/* Bring the frontend up once the share, the process group and (unless the start-order
	 * switches say later) virtiofsd exist: 0, STACK_ENV_MISSING or -errno. */
	int (*start)(struct stack *s, const struct stack_opts *o);
	/* One frontend step within timeout_ms: 0 pass, nonzero fail with why. */
	int (*step)(struct stack *s, const struct scn_step *st, int timeout_ms, char *why,
		    size_t len);
	int (*remount)(struct stack *s, int timeout_ms, char *why, size_t len);
	/* Stop what start started (bounded; before the device model and virtiofsd stop). */
	void (*stop)(struct stack *s);
	/* Frontend-specific health after a failure, appended to stack_health's text; NULL ok. */
	void (*health)(struct stack *s, char *buf, size_t len);
	/* A fault step (kill-backend ... irq-delay) its own way: 0, or nonzero with why. NULL:
	 * the scripted frontend's (stack_fault.c). */
	int (*fault)(struct stack *s, const struct scn_step *st, char *why, size_t len);
};

extern const struct stack_frontend_ops stack_fe_scripted_ops;
extern const struct stack_frontend_ops stack_fe_native_ops;
extern const struct stack_frontend_ops stack_fe_trapped_ops;

/* The frontend called name, or NULL. */
const struct stack_frontend_ops *stack_frontend_find(const char *name);
/* "scripted, qemu, qemu-native": for usage lines and error messages. */
const char *stack_frontend_names(void);
/* The default frontend (scripted). */
const struct stack_frontend_ops *stack_frontend_default(void);

#endif
