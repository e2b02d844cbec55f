/* test_scn_library.c - the scenario library (every .scn in scenarios/) against real POSIX:
 * each file parses and runs on a fresh temp dir through posix_vfs for frontend and host
 * steps alike, the library uses every command, and every file in scenarios/bad/ fails with
 * its expected message. SCN_LIBRARY_DIR overrides where scenarios/ is (default: found from
 * __FILE__). */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "posix_vfs.h"
#include "scn.h"

#define THIS_FILE "harness/scenario/tests/test_scn_library.c"

static char libdir[4096];

static void find_libdir(void)
{
	const char *env = getenv("SCN_LIBRARY_DIR");
	size_t n = strlen(__FILE__) - strlen(THIS_FILE);

	if (env) {
		snprintf(libdir, sizeof(libdir), "%s", env);
		return;
	}
	/* __FILE__ is the path the compiler was given: relative to the repo root (where make
	 * and the tests run) or absolute */
	snprintf(libdir, sizeof(libdir), "%.*sscenarios", (int)n, __FILE__);
}

static int is_scn(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && !strcmp(d->d_name + n - 4, ".scn");
}

/* Sorted *.scn names in dir; returns the count, *out freed by free_names. */
static int list_scn(const char *dir, struct dirent ***out)
{
	int n = scandir(dir, out, is_scn, alphasort);

	if (n < 0)
		fail_msg("cannot list %s: %s (set SCN_LIBRARY_DIR)", dir, strerror(errno));
	return n;
}

static void free_names(struct dirent **v, int n)
{
	while (n-- > 0)
		free(v[n]);
	free(v);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(p);
}

/* Run every step of f on a fresh directory; control steps are no-ops here. */
static void run_file(const struct scn_file *f)
{
	char root[] = "/tmp/scn-lib-XXXXXX", why[512];
	struct posix_vfs pv;
	size_t i;

	assert_non_null(mkdtemp(root));
	/* host-side semantics: confined to the directory, as the runner runs host steps */
	assert_int_equal(posix_vfs_open_confined(&pv, root), 0);
	for (i = 0; i < f->n_steps; i++) {
		const struct scn_step *st = &f->steps[i];

		if (scn_cmd_step_side(st) == SCN_SIDE_CONTROL)
			continue;
		if (scn_exec_step(st, &posix_vfs_ops, &pv, why, sizeof(why)))
			fail_msg("%s:%u: %s: %s", f->name, st->line, st->text, why);
	}
	posix_vfs_close(&pv);
	assert_int_equal(nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void test_library_runs_on_posix(void **state)
{
	int used[SCN_CMD_COUNT] = {0}, n, i, fails = 0, ran = 0, skipped = 0;
	struct dirent **names;
	struct scn_file f;
	char path[8192], err[512];
	size_t s;

	(void)state;
	n = list_scn(libdir, &names);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", libdir, names[i]->d_name);
		if (scn_load(path, &f, err, sizeof(err)))
			fail_msg("library file does not parse: %s", err);
		for (s = 0; s < f.n_steps; s++) {
			used[f.steps[s].cmd] = 1;
			fails += f.steps[s].fail_errno != 0;
		}
		if (f.n_steps && f.steps[0].cmd == SCN_REQUIRE) {
			print_message("skip %s (require %s)\n", names[i]->d_name,
				      f.steps[0].names[0]);
			skipped++;
		} else {
			run_file(&f);
			ran++;
		}
		scn_file_free(&f);
	}
	free_names(names, n);
	print_message("%d library files ran on posix, %d skipped\n", ran, skipped);
	assert_true(ran >= 10);
	/* together the files use every step of the format */
	for (i = 0; i < SCN_CMD_COUNT; i++)
		if (!used[i])
			fail_msg("no library file uses %s", scn_cmd_name((enum scn_cmd)i));
	assert_true(fails > 10);
}

/* The first line of a bad file is "# expect: MESSAGE"; the parse error must contain it. */
static void check_bad(const char *path, const char *fname)
{
	char err[512], head[512], *nl;
	struct scn_file f;
	FILE *fp = fopen(path, "r");

	assert_non_null(fp);
	if (!fgets(head, sizeof(head), fp) || strncmp(head, "# expect: ", 10))
		fail_msg("%s: first line must be \"# expect: MESSAGE\"", path);
	fclose(fp);
	nl = strchr(head, '\n');
	if (nl)
		*nl = '\0';
	if (scn_load(path, &f, err, sizeof(err)) != -EINVAL) {
		scn_file_free(&f);
		fail_msg("%s parsed, but should fail with: %s", fname, head + 10);
	}
	if (!strstr(err, head + 10))
		fail_msg("%s: got \"%s\", expected it to contain \"%s\"", fname, err, head + 10);
}

static void test_bad_files_fail_as_documented(void **state)
{
	struct dirent **names;
	char dir[4200], path[8400];
	int n, i;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/bad", libdir);
	n = list_scn(dir, &names);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		check_bad(path, names[i]->d_name);
	}
	free_names(names, n);
	assert_true(n >= 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_library_runs_on_posix),
	    cmocka_unit_test(test_bad_files_fail_as_documented),
	};

	find_libdir();
	return cmocka_run_group_tests_name("scn_library", tests, NULL, NULL);
}
