/* fault.c - fault steps of a scenario file, run by the runner on the stack (the scripted
 * frontend's own, or a frontend's `fault` op); files using them start with `require faults`
 * (scenarios/README.md, Extensions). */
#include <stdio.h>
#include <time.h>

#include "clock.h"
#include "fault.h"

/* The numbers the interrupt faults take, bounded for every frontend. */
static int fault_check_number(const struct scn_step *st, char *why, size_t len)
{
	if (st->cmd == SCN_IRQ_DROP && st->number > 1000000) {
		snprintf(why, len, "irq-drop %llu: at most 1000000",
			 (unsigned long long)st->number);
		return -1;
	}
	if (st->cmd == SCN_IRQ_DELAY && st->number > FAULT_IRQ_DELAY_MAX_MS) {
		snprintf(why, len, "irq-delay %llu: at most %d ms", (unsigned long long)st->number,
			 FAULT_IRQ_DELAY_MAX_MS);
		return -1;
	}
	return 0;
}

int fault_step(struct stack *s, const struct scn_step *st, char *why, size_t len)
{
	if (fault_check_number(st, why, len))
		return -1;
	if (s->fe_ops && s->fe_ops->fault)
		return s->fe_ops->fault(s, st, why, len);
	switch (st->cmd) {
	case SCN_KILL_BACKEND:
		return stack_fault_kill_backend(s, why, len);
	case SCN_RESTART_BACKEND:
		return stack_fault_restart_backend(s, why, len);
	case SCN_KILL_DEVMODEL:
		return stack_fault_kill_devmodel(s, why, len);
	case SCN_RESTART_DEVMODEL:
		return stack_fault_restart_devmodel(s, why, len);
	case SCN_RESET_DEVICE:
		return stack_fault_reset_device(s, FAULT_RESET_INFLIGHT, why, len);
	case SCN_IRQ_DROP:
		return stack_fault_irq(s, (int)st->number, -1, why, len);
	case SCN_IRQ_DELAY:
		return stack_fault_irq(s, -1, (int)st->number, why, len);
	default:
		snprintf(why, len, "control step %s not supported by this frontend",
			 scn_cmd_name(st->cmd));
		return -1;
	}
}

void fault_report(struct stack *s, const struct scn_step *st, FILE *out)
{
	if (st->cmd > SCN_REQUIRE && s->fault_info_len) {
		fprintf(out, "# fault: %s: %s\n", scn_cmd_name(st->cmd), s->fault_info);
		s->fault_info_len = 0;
		s->fault_info[0] = '\0';
		return;
	}
	if (scn_cmd_step_side(st) == SCN_SIDE_FRONTEND && s->fault_at_ns) {
		fprintf(out, "# fault: first frontend step after %s ended %lld ms after it\n",
			s->fault_name, (long long)((clock_now_ns() - s->fault_at_ns) / 1000000));
		s->fault_at_ns = 0;
	}
}
