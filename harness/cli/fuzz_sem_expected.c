/* fuzz_sem_expected.c - the one table of documented differences between an executor of the
 * scenario language and the oracle (POSIX on the host directory). `fuzz semantics` counts and
 * reports a divergence that matches a row instead of shrinking it as a finding; nothing is
 * skipped silently. Each row says whose behaviour it is (results/fuzz/semantics.md). */
#include <string.h>

#include "fuzz_sem.h"

/* cmd SCN_CMD_COUNT: any command. */
static const struct fuzz_sem_expected fuzz_sem_expected_rows[] = {
    /* scenarios/README.md, capability `confinement`: the scripted frontend never follows an
     * absolute symlink target, where POSIX (and a Linux guest) would leave the share. The
     * generator makes relative targets only, so a campaign never meets this row; it keeps a
     * hand-made program honest. */
    {"scripted", SCN_CMD_COUNT, "EXDEV",
     "the format's choice: an absolute symlink target is not followed by the scripted "
     "frontend (EXDEV), by design (capability confinement)"},
    {"scripted+rust", SCN_CMD_COUNT, "EXDEV", "as for scripted"},
    {"scripted+c", SCN_CMD_COUNT, "EXDEV", "as for scripted"},
};

const struct fuzz_sem_expected *fuzz_sem_expected_table(size_t *n)
{
	*n = sizeof(fuzz_sem_expected_rows) / sizeof(fuzz_sem_expected_rows[0]);
	return fuzz_sem_expected_rows;
}

const struct fuzz_sem_expected *fuzz_sem_expected_match(const char *executor,
							const struct scn_step *st, const char *why)
{
	size_t n;
	const struct fuzz_sem_expected *t = fuzz_sem_expected_table(&n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].executor, executor) &&
		    (t[i].cmd == SCN_CMD_COUNT || t[i].cmd == st->cmd) && strstr(why, t[i].why))
			return &t[i];
	return NULL;
}
