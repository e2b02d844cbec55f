/* library.c - finds the scenario library the way stack_rundir_sibling finds the harness's
 * programs: relative to this executable, so an installed baoharness runs it from any folder. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "library.h"
#include "stack.h"

static int library_has_seed(const char *dir)
{
	char p[PATH_MAX + 32];

	snprintf(p, sizeof(p), "%s/seed-demo.scn", dir);
	return access(p, R_OK) == 0;
}

int library_dir(char *buf, size_t len)
{
	static const char *const rel[] = {"../share/baoharness/scenarios",
					  "../../share/baoharness/scenarios", "../scenarios",
					  "../../scenarios"};
	const char *env = getenv("BAOHARNESS_SCENARIOS");
	char p[PATH_MAX], real[PATH_MAX];

	if (env && *env) {
		if ((size_t)snprintf(buf, len, "%s", env) >= len)
			return -ENAMETOOLONG;
		return library_has_seed(buf) ? 0 : -ENOENT;
	}
	if (library_has_seed("scenarios") && realpath("scenarios", real))
		return (size_t)snprintf(buf, len, "%s", real) >= len ? -ENAMETOOLONG : 0;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		if (stack_rundir_sibling(rel[i], p, sizeof(p)) || !library_has_seed(p) ||
		    !realpath(p, real))
			continue;
		return (size_t)snprintf(buf, len, "%s", real) >= len ? -ENAMETOOLONG : 0;
	}
	snprintf(buf, len, "./scenarios or ../share/baoharness/scenarios beside this program");
	return -ENOENT;
}

int library_count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		n += l > 4 && !strcmp(de->d_name + l - 4, ".scn");
	}
	closedir(d);
	return n;
}
