/* fault.c - the runner's report of fault steps (run by the frontend's fault hook,
 * stack_frontend_fault; files using them start with `require faults`, scenarios/README.md). */
#include <stdio.h>
#include <time.h>

#include "clock.h"
#include "fault.h"

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
