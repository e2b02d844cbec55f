/* fault.h - the comment lines that report what a fault step (kill-backend, restart-backend,
 * kill-devmodel, restart-devmodel, reset-device, irq-drop N, irq-delay MS; run through
 * stack_frontend_fault) did and how long detection took. */
#ifndef HARNESS_FAULT_H
#define HARNESS_FAULT_H

#include <stddef.h>
#include <stdio.h>

#include "scn.h"
#include "stack.h"

/* After step st ran (passed or failed): "# fault: ..." lines - what a fault step did, and for
 * the first frontend step after a kill, how long after the kill it ended (detection time). */
void fault_report(struct stack *s, const struct scn_step *st, FILE *out);

#endif
