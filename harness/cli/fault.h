/* fault.h - the runner's fault steps (kill-backend, restart-backend, kill-devmodel,
 * restart-devmodel, reset-device, irq-drop N, irq-delay MS) over stack_fault.c, and the
 * comment lines that report what each did and how long detection took. */
#ifndef HARNESS_FAULT_H
#define HARNESS_FAULT_H

#include <stddef.h>
#include <stdio.h>

#include "scn.h"
#include "stack.h"

#define FAULT_RESET_INFLIGHT 16u     /* requests in flight when reset-device writes Status 0 */
#define FAULT_IRQ_DELAY_MAX_MS 10000 /* irq-delay MS above this is refused */

/* Run one fault step. 0 pass; -1 with why. */
int fault_step(struct stack *s, const struct scn_step *st, char *why, size_t len);
/* After step st ran (passed or failed): "# fault: ..." lines - what a fault step did, and for
 * the first frontend step after a kill, how long after the kill it ended (detection time). */
void fault_report(struct stack *s, const struct scn_step *st, FILE *out);

#endif
